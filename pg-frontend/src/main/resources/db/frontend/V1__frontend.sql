-- pg-frontend's own tables (schema frontend): the batches it was asked to run and the outcome of
-- every transaction it ran. docs/frontend.md explains them.

CREATE TABLE frontend.batch (
  id           text        NOT NULL PRIMARY KEY,
  session      bigint      NOT NULL,          -- its mtcp session (fencing between front-ends)
  request      text        NOT NULL,          -- canonical JSON: what resuming front-ends run
  request_hash text        NOT NULL,          -- sha-256 of request: a re-post must match
  transactions integer     NOT NULL CHECK (transactions >= 0),
  created_by   text        NOT NULL,
  owner_cid    text        NOT NULL,          -- the M-TCP connection serving it now ...
  owner_epoch  bigint      NOT NULL,          -- ... at this epoch (a stale holder must not take it back)
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per transaction of a batch that has an outcome. Written inside that transaction, so it
-- exists iff the transaction committed (an operation that failed rolled back to its savepoint and
-- the transaction committed this row alone, outcome 'aborted').
CREATE TABLE frontend.outcome (
  batch       text        NOT NULL REFERENCES frontend.batch (id),
  seq         integer     NOT NULL CHECK (seq >= 1),
  tid         xid8        NOT NULL,
  outcome     text        NOT NULL CHECK (outcome IN ('committed', 'aborted')),
  frontend    text        NOT NULL,
  line        text        NOT NULL,           -- the exact NDJSON line every front-end re-sends
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (batch, seq)
);
