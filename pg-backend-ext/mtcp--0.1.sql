-- mtcp 0.1: the database side of Migratory TCP (M-TCP) front-ends.
--
-- One file, two installers: this is the extension's install script (CREATE EXTENSION mtcp) and,
-- byte for byte, the Flyway migration V0.1__mtcp.sql that the project's sql module builds from it
-- for servers where extensions can't be installed. So it holds no psql meta-commands, and the two
-- steps where the installers differ are guarded: creating the schema, and pg_extension_config_dump.
--
-- The design, the guarantees and the grants are explained in docs/database.md. In short:
--
--  * a session is a client's sequence of transactions; its row carries an epoch (fencing token);
--  * mtcp.begin(session, epoch), the first statement of every front-end transaction, checks the
--    epoch while locking the session row FOR NO KEY UPDATE until the transaction ends, takes a
--    transaction-level advisory lock that names the transaction's backend as the session's holder,
--    and inserts the transaction's xid8 into mtcp.txn_log: the log row commits iff it commits;
--  * mtcp.reconnect(session, tid, timeout) takes the session over: it waits up to timeout for tid,
--    terminates the holder after that (or at once when the holder runs a later transaction), bumps
--    the epoch under the row lock -- so no transaction of the old epoch can still commit -- and then
--    reads the outcome of tid, which can no longer change;
--  * mtcp.outcome(tid) answers from the log first, from the commit log (pg_xact_status) next.
--
-- SQLSTATEs of class MT are ours: MT001 fenced, MT002 unknown session, MT003 session closed,
-- MT004 invalid transaction id, MT005 transaction not of this session, MT006 already registered,
-- MT007 takeover failed. Others are PostgreSQL's (22004 null argument, 22023 bad value).
--
-- Advisory lock keys (two-int form) reserved by mtcp: (1297367888, lock_key) 'MTCP' marks the
-- backend that holds a session; (1297367889, pid) 'MTCQ' guards a backend while a takeover decides
-- whether to terminate it.

DO $schema$
BEGIN
  -- CREATE EXTENSION has created it (control file: schema = mtcp), and so has Flyway when told
  -- schemas=mtcp (MtcpMigrations); a plain migration has not.
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 'mtcp') THEN
    CREATE SCHEMA mtcp;
  END IF;
END
$schema$;

COMMENT ON SCHEMA mtcp IS 'Migratory TCP front-end sessions, fencing and transaction outcomes (docs/database.md)';

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

CREATE SEQUENCE mtcp.session_id_seq AS bigint;

-- Slot numbers for the session advisory lock; they wrap around, and the UNIQUE constraint below
-- keeps two live sessions from sharing one.
CREATE SEQUENCE mtcp.session_lock_key_seq AS integer MINVALUE 1 MAXVALUE 2147483647 CYCLE;

CREATE TABLE mtcp.session (
  id            bigint      NOT NULL DEFAULT nextval('mtcp.session_id_seq') PRIMARY KEY,
  epoch         bigint      NOT NULL DEFAULT 0 CHECK (epoch >= 0),
  lock_key      integer     NOT NULL DEFAULT nextval('mtcp.session_lock_key_seq') UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  taken_over_at timestamptz,
  closed_at     timestamptz
);
ALTER SEQUENCE mtcp.session_id_seq OWNED BY mtcp.session.id;
ALTER SEQUENCE mtcp.session_lock_key_seq OWNED BY mtcp.session.lock_key;
COMMENT ON TABLE mtcp.session IS 'One row per session (a client''s sequence of transactions); epoch + 1 at every takeover';

-- The outcome log. begin() inserts a 'committed' row inside the front-end's transaction, so the row
-- exists iff that transaction committed; reconnect() records the 'aborted' outcomes it decides.
-- No foreign key to mtcp.session on purpose: it would add KEY SHARE locks on the session row, and
-- outcomes must outlive pruned sessions.
CREATE TABLE mtcp.txn_log (
  xid       xid8        NOT NULL PRIMARY KEY,
  session   bigint      NOT NULL,
  epoch     bigint,
  status    text        NOT NULL CHECK (status IN ('committed', 'aborted')),
  logged_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX txn_log_logged_at ON mtcp.txn_log (logged_at);
CREATE INDEX txn_log_session ON mtcp.txn_log (session, logged_at);
COMMENT ON TABLE mtcp.txn_log IS 'Outcomes of mtcp transactions, kept after the commit log forgets them; see mtcp.prune';

-- Every mtcp transaction with xid >= log_horizon that committed has its row in mtcp.txn_log
-- (prune only deletes rows below the horizon, and raises it).
CREATE TABLE mtcp.retention (
  singleton   boolean NOT NULL DEFAULT true PRIMARY KEY CHECK (singleton),
  log_horizon xid8    NOT NULL
);
INSERT INTO mtcp.retention (log_horizon) VALUES (pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()));
COMMENT ON TABLE mtcp.retention IS 'The log horizon: below it, an outcome the commit log has forgotten is unknown';

-- ---------------------------------------------------------------------------------------------
-- Internal helpers (no EXECUTE for PUBLIC; the API functions run them as their owner)
-- ---------------------------------------------------------------------------------------------

-- The 32-bit xid of a full transaction id, as pg_locks shows it.
CREATE FUNCTION mtcp._xid32(tid xid8) RETURNS xid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT ((tid::text::numeric % 4294967296)::bigint)::text::xid $$;

-- Refuses what can't be a transaction id of ours: NULL, special ids, ids not yet assigned.
CREATE FUNCTION mtcp._check_tid(tid xid8) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF tid IS NULL THEN
    RAISE EXCEPTION 'transaction id must not be null' USING ERRCODE = '22004';
  END IF;
  IF tid::text::numeric % 4294967296 < 3 THEN
    RAISE EXCEPTION 'invalid transaction id %: not a normal transaction id', tid
      USING ERRCODE = 'MT004', HINT = 'pass the value mtcp.begin returned';
  END IF;
  BEGIN
    PERFORM pg_xact_status(tid);          -- compares with the next transaction id to assign
  EXCEPTION WHEN invalid_parameter_value THEN
    RAISE EXCEPTION 'invalid transaction id %: it is in the future (not assigned yet)', tid
      USING ERRCODE = 'MT004', HINT = 'pass the value mtcp.begin returned';
  END;
END
$$;

-- The decision procedure for the outcome of tid, given what the commit log says about it
-- (pg_xact_status(tid); NULL when it no longer knows). Kept apart so that tests can ask it what it
-- answers once the commit log has forgotten a transaction.
CREATE FUNCTION mtcp._classify(tid xid8, clog_status text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_status text;
BEGIN
  IF clog_status = 'in progress' THEN
    RETURN clog_status;                   -- (a log row seen now would be the caller's own, uncommitted)
  END IF;
  SELECT l.status INTO v_status FROM mtcp.txn_log l WHERE l.xid = tid;
  IF FOUND THEN
    RETURN v_status;                      -- our log: definite, however old
  END IF;
  IF clog_status IS NOT NULL THEN
    RETURN clog_status;                   -- 'committed' or 'aborted'
  END IF;
  -- The commit log has forgotten tid, so it finished long ago. Had it committed as an mtcp
  -- transaction at or above the horizon, its row would be here.
  IF tid >= (SELECT r.log_horizon FROM mtcp.retention r) THEN
    RETURN 'aborted';
  END IF;
  RETURN 'unknown';
END
$$;

-- Whether backend pid holds the advisory lock that marks the holder of a session.
CREATE FUNCTION mtcp._holds_session(pid integer, lock_key integer) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT EXISTS (
    SELECT FROM pg_locks l
     WHERE l.locktype = 'advisory'
       AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
       AND l.classid = 1297367888::oid AND l.objid = lock_key::oid AND l.objsubid = 2
       AND l.granted AND l.pid = _holds_session.pid)
$$;

-- Terminates backend pid if, and only if, it still holds the session with this lock key.
-- The guard lock (exclusive, until the caller's transaction ends) keeps pid from registering a
-- transaction of any session between the check and the signal, so the signal can only hit the
-- session's own transaction, or a backend that has no registered transaction at all.
CREATE FUNCTION mtcp._terminate_holder(pid integer, lock_key integer) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1297367889, _terminate_holder.pid);
  IF NOT mtcp._holds_session(_terminate_holder.pid, _terminate_holder.lock_key) THEN
    RETURN false;
  END IF;
  BEGIN
    RETURN pg_terminate_backend(_terminate_holder.pid);
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE EXCEPTION 'takeover failed: not allowed to terminate backend % that holds the session', _terminate_holder.pid
      USING ERRCODE = 'MT007',
            HINT = 'the owner of the mtcp functions needs pg_signal_backend (or membership in the front-end role); see docs/database.md';
  END;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- The API
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION mtcp.api_version() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT '0.1'::text $$;
COMMENT ON FUNCTION mtcp.api_version() IS 'Version of the mtcp SQL API installed (extension or migration)';

-- Strict text-to-xid8: PostgreSQL 15's xid8 input accepts trailing garbage ('12abc' reads as 12).
CREATE FUNCTION mtcp.tid(text) RETURNS xid8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF $1 !~ '^[0-9]{1,20}$' OR $1::numeric > 18446744073709551615 THEN
    RAISE EXCEPTION 'malformed transaction id "%": expected the decimal xid8 that mtcp.begin returned', $1
      USING ERRCODE = 'MT004';
  END IF;
  RETURN $1::xid8;
END
$$;
COMMENT ON FUNCTION mtcp.tid(text) IS 'Parses a transaction id strictly (MT004 if malformed); NULL stays NULL';

CREATE FUNCTION mtcp.open_session(OUT session bigint, OUT epoch bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_tries integer := 0;
BEGIN
  LOOP
    BEGIN
      INSERT INTO mtcp.session AS s DEFAULT VALUES RETURNING s.id, s.epoch
        INTO open_session.session, open_session.epoch;
      RETURN;
    EXCEPTION WHEN unique_violation THEN
      -- the lock key sequence wrapped onto a live session: take the next key
      v_tries := v_tries + 1;
      IF v_tries >= 1000 THEN
        RAISE;
      END IF;
    END;
  END LOOP;
END
$$;
COMMENT ON FUNCTION mtcp.open_session() IS 'Opens a session; returns its id and its first epoch (0)';

CREATE FUNCTION mtcp.begin(session bigint, epoch bigint) RETURNS xid8
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_session ALIAS FOR $1;
  v_epoch   ALIAS FOR $2;
  v_tid     xid8;
  v_row     record;
BEGIN
  IF v_session IS NULL OR v_epoch IS NULL THEN
    RAISE EXCEPTION 'mtcp.begin: session and epoch must not be null' USING ERRCODE = '22004';
  END IF;
  v_tid := pg_current_xact_id();          -- gettxnID: assigns the transaction id now
  IF EXISTS (SELECT FROM mtcp.txn_log l WHERE l.xid = v_tid) THEN
    RAISE EXCEPTION 'transaction % is already registered with mtcp', v_tid
      USING ERRCODE = 'MT006', HINT = 'call mtcp.begin once, as the first statement of each transaction';
  END IF;

  -- Wait while a takeover is deciding whether to terminate this backend (see _terminate_holder).
  PERFORM pg_advisory_lock_shared(1297367889, pg_backend_pid());
  PERFORM pg_advisory_unlock_shared(1297367889, pg_backend_pid());

  -- The fence: lock the session row until this transaction ends; a takeover's UPDATE waits for it.
  IF current_setting('transaction_isolation') = 'read committed' THEN
    SELECT s.epoch, s.lock_key, s.closed_at INTO v_row
      FROM mtcp.session s WHERE s.id = v_session FOR NO KEY UPDATE;
  ELSE
    BEGIN
      SELECT s.epoch, s.lock_key, s.closed_at INTO v_row
        FROM mtcp.session s WHERE s.id = v_session FOR NO KEY UPDATE;
    EXCEPTION WHEN serialization_failure THEN
      -- only a takeover, a close or a prune changes the session row
      RAISE EXCEPTION 'session % was taken over while this transaction waited for it', v_session
        USING ERRCODE = 'MT001';
    END;
  END IF;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown session %', v_session USING ERRCODE = 'MT002';
  END IF;
  IF v_row.closed_at IS NOT NULL THEN
    RAISE EXCEPTION 'session % is closed', v_session USING ERRCODE = 'MT003';
  END IF;
  IF v_row.epoch <> v_epoch THEN
    RAISE EXCEPTION 'session % is fenced at epoch %: its current epoch is %', v_session, v_epoch, v_row.epoch
      USING ERRCODE = 'MT001', HINT = 'another front-end took the session over; this one must stop serving it';
  END IF;

  -- Name this backend as the session's holder, for reconnect to find.
  PERFORM pg_advisory_xact_lock_shared(1297367888, v_row.lock_key);
  INSERT INTO mtcp.txn_log (xid, session, epoch, status) VALUES (v_tid, v_session, v_epoch, 'committed');
  RETURN v_tid;
END
$$;
COMMENT ON FUNCTION mtcp.begin(bigint, bigint) IS
  'First statement of a front-end transaction: checks the epoch (MT001 if stale), fences, returns the transaction id (gettxnID)';

CREATE FUNCTION mtcp.current_tid() RETURNS xid8
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT l.xid FROM mtcp.txn_log l WHERE l.xid = pg_current_xact_id_if_assigned() $$;
COMMENT ON FUNCTION mtcp.current_tid() IS 'The id mtcp.begin returned in this transaction, NULL if it was not called';

CREATE FUNCTION mtcp.reconnect(session bigint, tid xid8, timeout interval, OUT epoch bigint, OUT outcome text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_session  ALIAS FOR $1;
  v_tid      ALIAS FOR $2;
  v_timeout  ALIAS FOR $3;
  v_key      integer;
  v_log      record;
  v_status   text;
  v_holder   record;
  v_deadline timestamptz;
  v_give_up  timestamptz;
  v_wait_ms  bigint;
  v_saved    text := current_setting('lock_timeout');
BEGIN
  IF v_session IS NULL OR v_timeout IS NULL THEN
    RAISE EXCEPTION 'mtcp.reconnect: session and timeout must not be null' USING ERRCODE = '22004';
  END IF;
  IF v_timeout < interval '0' THEN
    RAISE EXCEPTION 'mtcp.reconnect: timeout must not be negative (got %)', v_timeout USING ERRCODE = '22023';
  END IF;
  SELECT s.lock_key INTO v_key FROM mtcp.session s WHERE s.id = v_session;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown session %', v_session USING ERRCODE = 'MT002';
  END IF;
  IF v_tid IS NOT NULL THEN
    PERFORM mtcp._check_tid(v_tid);
    SELECT l.session INTO v_log FROM mtcp.txn_log l WHERE l.xid = v_tid;
    IF FOUND AND v_log.session <> v_session THEN
      RAISE EXCEPTION 'transaction % belongs to session %, not to session %', v_tid, v_log.session, v_session
        USING ERRCODE = 'MT005';
    END IF;
  END IF;

  -- Take the session row. Each round looks at the backends holding the session: the one still
  -- running tid gets until the deadline, any other (a later transaction of the old front-end) is
  -- terminated at once; then wait for the row lock, at most until the deadline or for a short slice.
  v_deadline := clock_timestamp() + v_timeout;
  v_give_up := v_deadline + interval '10 seconds';
  LOOP
    v_wait_ms := NULL;
    FOR v_holder IN
      SELECT l.pid,
             v_tid IS NOT NULL AND EXISTS (
               SELECT FROM pg_locks x
                WHERE x.locktype = 'transactionid' AND x.pid = l.pid AND x.granted
                  AND x.transactionid = mtcp._xid32(v_tid)) AS runs_tid
        FROM pg_locks l
       WHERE l.locktype = 'advisory'
         AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
         AND l.classid = 1297367888::oid AND l.objid = v_key::oid AND l.objsubid = 2
         AND l.granted AND l.pid IS DISTINCT FROM pg_backend_pid()
    LOOP
      IF v_holder.runs_tid AND clock_timestamp() < v_deadline THEN
        -- (at most a day per round: lock_timeout is an int of milliseconds)
        v_wait_ms := greatest(1, least(86400000, ceil(extract(epoch FROM v_deadline - clock_timestamp()) * 1000)));
      ELSE
        PERFORM mtcp._terminate_holder(v_holder.pid, v_key);
      END IF;
    END LOOP;
    IF clock_timestamp() >= v_give_up THEN
      RAISE EXCEPTION 'takeover of session % failed: its row stayed locked', v_session
        USING ERRCODE = 'MT007', HINT = 'another takeover of the same session may be in progress; retry';
    END IF;
    IF v_wait_ms IS NULL THEN
      v_wait_ms := greatest(1, least(100, ceil(extract(epoch FROM v_give_up - clock_timestamp()) * 1000)));
    END IF;
    BEGIN
      PERFORM set_config('lock_timeout', v_wait_ms || 'ms', true);
      UPDATE mtcp.session s SET epoch = s.epoch + 1, taken_over_at = now()
       WHERE s.id = v_session RETURNING s.epoch INTO reconnect.epoch;
      EXIT;
    EXCEPTION WHEN lock_not_available THEN
      NULL;                               -- look at the holders again
    END;
  END LOOP;
  PERFORM set_config('lock_timeout', v_saved, true);
  IF reconnect.epoch IS NULL THEN
    RAISE EXCEPTION 'unknown session % (it was pruned during the takeover)', v_session USING ERRCODE = 'MT002';
  END IF;
  IF v_tid IS NULL THEN
    RETURN;
  END IF;

  -- Fenced: no transaction of an older epoch is running or can start, so tid's outcome is final.
  v_status := pg_xact_status(v_tid);
  SELECT l.session, l.status INTO v_log FROM mtcp.txn_log l WHERE l.xid = v_tid;
  IF FOUND AND v_log.session <> v_session THEN
    RAISE EXCEPTION 'transaction % belongs to session %, not to session %', v_tid, v_log.session, v_session
      USING ERRCODE = 'MT005';
  END IF;
  IF v_status = 'in progress' THEN
    RAISE EXCEPTION 'transaction % is still running but does not hold session %', v_tid, v_session
      USING ERRCODE = 'MT005', HINT = 'it did not call mtcp.begin for this session, or rolled it back to a savepoint';
  END IF;
  IF v_status = 'committed' AND NOT FOUND
     AND v_tid >= (SELECT r.log_horizon FROM mtcp.retention r)
     AND pg_visible_in_snapshot(v_tid, pg_current_snapshot()) THEN
    RAISE EXCEPTION 'transaction % committed without being registered for session %', v_tid, v_session
      USING ERRCODE = 'MT005', HINT = 'it did not call mtcp.begin for this session, or rolled it back to a savepoint';
  END IF;
  reconnect.outcome := mtcp._classify(v_tid, v_status);
  IF reconnect.outcome = 'aborted' THEN
    INSERT INTO mtcp.txn_log (xid, session, epoch, status) VALUES (v_tid, v_session, NULL, 'aborted')
      ON CONFLICT (xid) DO NOTHING;
  END IF;
END
$$;
COMMENT ON FUNCTION mtcp.reconnect(bigint, xid8, interval) IS
  'reconnectDB: takes the session over (epoch + 1) and returns the definite outcome of tid';

CREATE FUNCTION mtcp.outcome(tid xid8) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM mtcp._check_tid(tid);
  RETURN mtcp._classify(tid, pg_xact_status(tid));
END
$$;
COMMENT ON FUNCTION mtcp.outcome(xid8) IS
  'Outcome of an mtcp transaction: committed, aborted, in progress, or unknown (older than both the commit log and the log horizon)';

CREATE FUNCTION mtcp.close_session(session bigint, epoch bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_session ALIAS FOR $1;
  v_epoch   ALIAS FOR $2;
  v_row     record;
BEGIN
  IF v_session IS NULL OR v_epoch IS NULL THEN
    RAISE EXCEPTION 'mtcp.close_session: session and epoch must not be null' USING ERRCODE = '22004';
  END IF;
  SELECT s.epoch, s.closed_at INTO v_row FROM mtcp.session s WHERE s.id = v_session FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown session %', v_session USING ERRCODE = 'MT002';
  END IF;
  IF v_row.epoch <> v_epoch THEN
    RAISE EXCEPTION 'session % is fenced at epoch %: its current epoch is %', v_session, v_epoch, v_row.epoch
      USING ERRCODE = 'MT001';
  END IF;
  IF v_row.closed_at IS NULL THEN
    UPDATE mtcp.session s SET closed_at = now() WHERE s.id = v_session;
  END IF;
END
$$;
COMMENT ON FUNCTION mtcp.close_session(bigint, bigint) IS
  'Ends a session: no transaction can begin for it any more; reconnect still reports outcomes';

CREATE FUNCTION mtcp.prune(keep interval, OUT log_rows bigint, OUT sessions bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_keep    ALIAS FOR $1;
  v_cutoff  timestamptz;
  v_horizon xid8;
BEGIN
  IF v_keep IS NULL THEN
    RAISE EXCEPTION 'mtcp.prune: keep must not be null' USING ERRCODE = '22004';
  END IF;
  IF v_keep < interval '0' THEN
    RAISE EXCEPTION 'mtcp.prune: keep must not be negative (got %)', v_keep USING ERRCODE = '22023';
  END IF;
  v_cutoff := now() - v_keep;
  -- The new horizon: no higher than any row logged since the cutoff, and no higher than the oldest
  -- transaction still running (its row, if it commits, is not visible yet).
  SELECT greatest(r.log_horizon,
                  least((SELECT min(l.xid) FROM mtcp.txn_log l WHERE l.logged_at >= v_cutoff),
                        pg_snapshot_xmin(pg_current_snapshot())))
    INTO v_horizon FROM mtcp.retention r FOR UPDATE;
  DELETE FROM mtcp.txn_log l WHERE l.xid < v_horizon;
  GET DIAGNOSTICS prune.log_rows = ROW_COUNT;
  UPDATE mtcp.retention r SET log_horizon = v_horizon;
  -- Sessions closed before the cutoff, or idle since before it; skip those in use right now.
  WITH gone AS (
    SELECT s.id FROM mtcp.session s
     WHERE s.closed_at < v_cutoff
        OR (s.closed_at IS NULL
            AND coalesce(s.taken_over_at, s.created_at) < v_cutoff
            AND NOT EXISTS (SELECT FROM mtcp.txn_log l WHERE l.session = s.id AND l.logged_at >= v_cutoff))
       FOR UPDATE SKIP LOCKED)
  DELETE FROM mtcp.session s USING gone WHERE s.id = gone.id;
  GET DIAGNOSTICS prune.sessions = ROW_COUNT;
END
$$;
COMMENT ON FUNCTION mtcp.prune(interval) IS
  'Forgets outcomes and sessions older than keep; raises the log horizon below which an outcome may be unknown';

CREATE FUNCTION mtcp.grant_frontend(role name) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA mtcp TO %I', role);
  EXECUTE format('GRANT EXECUTE ON FUNCTION mtcp.api_version(), mtcp.tid(text), mtcp.open_session(), mtcp.begin(bigint, bigint), '
                 'mtcp.current_tid(), mtcp.reconnect(bigint, xid8, interval), mtcp.outcome(xid8), '
                 'mtcp.close_session(bigint, bigint) TO %I', role);
END
$$;
COMMENT ON FUNCTION mtcp.grant_frontend(name) IS 'Grants a front-end role everything it needs: USAGE on mtcp and EXECUTE on the API';

-- ---------------------------------------------------------------------------------------------
-- Privileges: nothing for PUBLIC; front-end roles get the API through mtcp.grant_frontend.
-- ---------------------------------------------------------------------------------------------

REVOKE ALL ON ALL TABLES IN SCHEMA mtcp FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA mtcp FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA mtcp FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- Inside CREATE EXTENSION only: let pg_dump keep the sessions (they are data, not definitions).
-- Outcomes are not dumped: transaction ids mean nothing in another cluster (see docs/database.md).
-- ---------------------------------------------------------------------------------------------

DO $dump$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'mtcp') THEN
    PERFORM pg_catalog.pg_extension_config_dump('mtcp.session', '');
    PERFORM pg_catalog.pg_extension_config_dump('mtcp.session_id_seq', '');
    PERFORM pg_catalog.pg_extension_config_dump('mtcp.session_lock_key_seq', '');
  END IF;
END
$dump$;
