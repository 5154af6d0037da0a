-- The sample bank (schema bank): accounts and the transfers between them.
CREATE TABLE bank.accounts (
  id      bigint NOT NULL PRIMARY KEY,
  balance bigint NOT NULL CHECK (balance >= 0)
);

-- One row per executed transfer, with the batch position that made it. Deliberately no UNIQUE
-- (batch, seq): a transfer run twice would show up twice, and the end-to-end tests look for that.
CREATE TABLE bank.transfers (
  id           bigserial   NOT NULL PRIMARY KEY,
  batch        text        NOT NULL,
  seq          integer     NOT NULL,
  from_account bigint      NOT NULL REFERENCES bank.accounts (id),
  to_account   bigint      NOT NULL REFERENCES bank.accounts (id),
  amount       bigint      NOT NULL CHECK (amount > 0),
  made_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX transfers_batch ON bank.transfers (batch, seq);
