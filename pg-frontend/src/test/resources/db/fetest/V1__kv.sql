-- The tiny application of pg-frontend's own tests: a key-value table and a log of every
-- committed write (one row per execution, so a transaction run twice shows up twice).
CREATE TABLE fetest.kv (
  key   text   NOT NULL PRIMARY KEY,
  value bigint NOT NULL
);
CREATE TABLE fetest.runs (
  batch text    NOT NULL,
  seq   integer NOT NULL,
  key   text    NOT NULL
);
