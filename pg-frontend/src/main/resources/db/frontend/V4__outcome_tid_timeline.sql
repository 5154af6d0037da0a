-- mtcp 0.2: a transaction id is its timeline and its xid8 (docs/database.md, "Transaction ids across
-- a promotion"). The outcome row keeps both, so that after a failover a transaction of the new
-- timeline that reused the xid of a lost one is never taken for it. NULL: recorded before (a bare
-- xid, mtcp 0.1), matched by xid alone.
ALTER TABLE frontend.outcome ADD COLUMN tid_timeline bigint CHECK (tid_timeline BETWEEN 1 AND 4294967295);
