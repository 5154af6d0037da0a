-- The newest request for a batch id wins (docs/frontend.md, "Ownership"). A request is a
-- connection's request number (cid, request); the batch row names the request that owns the batch
-- now, and batch_claim every request that ever owned it, so that an old request coming back (a
-- migrated connection resuming its response, or replaying its request) can tell it was
-- superseded and must not take the batch back from a newer one.

ALTER TABLE frontend.batch ADD COLUMN owner_request bigint NOT NULL DEFAULT 0;

CREATE TABLE frontend.batch_claim (
  batch      text        NOT NULL REFERENCES frontend.batch (id),
  cid        text        NOT NULL,
  request    bigint      NOT NULL,          -- the request's number on its connection
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (batch, cid, request)
);
