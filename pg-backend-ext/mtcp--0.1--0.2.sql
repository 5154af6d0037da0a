-- mtcp 0.1 -> 0.2: transaction ids that survive a promotion.
--
-- One file, two installers, like mtcp--0.1.sql: ALTER EXTENSION mtcp UPDATE runs it (and so does
-- CREATE EXTENSION mtcp, after mtcp--0.1.sql), and the sql module ships it byte for byte as the
-- Flyway migration V0.2__mtcp_update.sql.
--
-- Why (docs/database.md, "Transaction ids across a promotion"): an xid8 names a transaction only
-- on one timeline. A transaction that committed on an old primary, but whose commit never reached
-- the standby that was promoted, left its number unassigned on the new timeline: the new primary
-- hands it out again, to another transaction. So the identity of a transaction becomes the pair
-- (timeline it began on, xid8), written 'timeline:xid' (e.g. '1:771'):
--
--  * mtcp.timeline() is the timeline this primary writes on; a front-end's tid is
--    mtcp.timeline() || ':' || mtcp.begin(session, epoch) (one statement, one server);
--  * mtcp.txn_log rows carry the timeline of their transaction;
--  * mtcp.reconnect(session, tid text, timeout) and mtcp.outcome(tid text) answer for a tid of an
--    older timeline from its row alone -- committed iff that very transaction's row reached this
--    timeline -- without waiting for, terminating, erroring on or recording anything under its
--    number, which may belong to another transaction here; a tid of a later timeline than this
--    server's is refused (MT008: this server is behind, e.g. an old primary that came back);
--  * a bare xid8 (the 0.1 form, and the xid8 overloads, kept for 0.1 clients) means, as before,
--    "this timeline's transaction with that number".
--
-- New SQLSTATE: MT008 not the primary of the transaction's history (a standby, or a server behind
-- the tid's timeline).

-- ---------------------------------------------------------------------------------------------
-- The timeline in the log
-- ---------------------------------------------------------------------------------------------

-- NULL: logged by mtcp 0.1, which did not record it (such rows answer bare tids only).
ALTER TABLE mtcp.txn_log ADD COLUMN timeline bigint CHECK (timeline BETWEEN 1 AND 4294967295);
COMMENT ON COLUMN mtcp.txn_log.timeline IS 'Timeline the transaction began on; with xid, its identity (NULL: logged by mtcp 0.1)';

-- ---------------------------------------------------------------------------------------------
-- Internal helpers
-- ---------------------------------------------------------------------------------------------

-- The timeline this server writes WAL on, as a primary. pg_walfile_name names the WAL insert
-- position's file with the insertion timeline, which is the new one as soon as a promotion lets
-- the server accept writes (pg_control_checkpoint's timeline_id waits for the next checkpoint).
CREATE FUNCTION mtcp._timeline() RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF pg_is_in_recovery() THEN
    RAISE EXCEPTION 'this server is a standby: transaction ids are issued and answered by the primary'
      USING ERRCODE = 'MT008', HINT = 'connect to the primary (JDBC: targetServerType=primary)';
  END IF;
  RETURN ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint;
END
$$;

-- Parses a tid: 'timeline:xid' (0.2), or a bare xid8 (0.1: this timeline's), strictly (PostgreSQL
-- 15's xid8 input accepts trailing garbage). timeline is NULL for a bare xid.
CREATE FUNCTION mtcp._parse_tid(tid text, OUT timeline bigint, OUT xid xid8)
LANGUAGE plpgsql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_parts text[];
BEGIN
  v_parts := regexp_match(tid, '^(?:([0-9]{1,10}):)?([0-9]{1,20})$');
  IF v_parts IS NULL OR v_parts[2]::numeric > 18446744073709551615
     OR v_parts[1]::numeric NOT BETWEEN 1 AND 4294967295 THEN
    RAISE EXCEPTION 'malformed transaction id "%": expected timeline:xid as mtcp.timeline() and mtcp.begin give it (or the bare decimal xid8 of mtcp 0.1)', tid
      USING ERRCODE = 'MT004';
  END IF;
  _parse_tid.timeline := v_parts[1]::bigint;
  _parse_tid.xid := v_parts[2]::xid8;
END
$$;

-- Refuses what can't be a transaction id on any timeline (NULL, special ids); unlike _check_tid,
-- accepts a number not assigned here yet (a tid of an older timeline may be beyond this one's).
CREATE FUNCTION mtcp._check_xid(tid xid8) RETURNS void
LANGUAGE plpgsql IMMUTABLE
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
END
$$;

-- Parses and places a tid against this server. Returns its xid, its timeline (NULL if bare) and
-- whether it is of an older timeline than this server's ("foreign": its number means nothing
-- here). A bare tid, or one of this timeline, gets 0.1's checks (MT004 if not assigned yet); one
-- of a later timeline is refused (MT008).
CREATE FUNCTION mtcp._place_tid(tid text, OUT xid xid8, OUT timeline bigint, OUT foreign_timeline boolean)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_here bigint;
BEGIN
  SELECT p.xid, p.timeline INTO _place_tid.xid, _place_tid.timeline FROM mtcp._parse_tid(tid) p;
  _place_tid.foreign_timeline := false;
  IF _place_tid.timeline IS NOT NULL THEN
    v_here := mtcp._timeline();
    IF _place_tid.timeline > v_here THEN
      RAISE EXCEPTION 'transaction % is of timeline %, but this server is on timeline %: it is not the primary of that transaction''s history',
          tid, _place_tid.timeline, v_here
        USING ERRCODE = 'MT008',
              HINT = 'a primary that was failed over (an old primary started again) must be rewound or rebuilt, not used; connect to the current primary';
    END IF;
    _place_tid.foreign_timeline := _place_tid.timeline < v_here;
  END IF;
  IF _place_tid.foreign_timeline THEN
    PERFORM mtcp._check_xid(_place_tid.xid);
  ELSE
    PERFORM mtcp._check_tid(_place_tid.xid);
  END IF;
END
$$;

-- The decision procedure for the outcome of (timeline, tid), given what the commit log says about
-- it (pg_xact_status(tid); NULL when it no longer knows, and always for a tid of an older timeline,
-- whose number the commit log may know as another transaction's). timeline NULL: a bare tid, any
-- row with its number (0.1).
DROP FUNCTION mtcp._classify(xid8, text);
CREATE FUNCTION mtcp._classify(tid xid8, timeline bigint, clog_status text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_status text;
BEGIN
  IF clog_status = 'in progress' THEN
    RETURN clog_status;                   -- (a log row seen now would be the caller's own, uncommitted)
  END IF;
  SELECT l.status INTO v_status FROM mtcp.txn_log l
   WHERE l.xid = tid AND (_classify.timeline IS NULL OR l.timeline = _classify.timeline);
  IF FOUND THEN
    RETURN v_status;                      -- our log: definite, however old
  END IF;
  IF clog_status IS NOT NULL THEN
    RETURN clog_status;                   -- 'committed' or 'aborted'
  END IF;
  -- The commit log has forgotten tid (or is not asked, for another timeline's). Had it committed
  -- as an mtcp transaction of this history at or above the horizon, its row would be here.
  IF tid >= (SELECT r.log_horizon FROM mtcp.retention r) THEN
    RETURN 'aborted';
  END IF;
  RETURN 'unknown';
END
$$;

-- ---------------------------------------------------------------------------------------------
-- The API
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION mtcp.api_version() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT '0.2'::text $$;

CREATE FUNCTION mtcp.timeline() RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT mtcp._timeline() $$;
COMMENT ON FUNCTION mtcp.timeline() IS
  'The timeline this primary writes on (MT008 on a standby): a transaction id is mtcp.timeline() || '':'' || mtcp.begin(...)';

CREATE OR REPLACE FUNCTION mtcp.begin(session bigint, epoch bigint) RETURNS xid8
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
  INSERT INTO mtcp.txn_log (xid, timeline, session, epoch, status)
    VALUES (v_tid, mtcp._timeline(), v_session, v_epoch, 'committed');
  RETURN v_tid;
END
$$;
COMMENT ON FUNCTION mtcp.begin(bigint, bigint) IS
  'First statement of a front-end transaction: checks the epoch (MT001 if stale), fences, returns the xid8; the transaction id is mtcp.timeline() || '':'' || it';

CREATE FUNCTION mtcp.reconnect(session bigint, tid text, timeout interval, OUT epoch bigint, OUT outcome text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_session  ALIAS FOR $1;
  v_timeout  ALIAS FOR $3;
  v_tid      xid8;
  v_timeline bigint;
  v_foreign  boolean := false;
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
  IF $2 IS NOT NULL THEN
    SELECT p.xid, p.timeline, p.foreign_timeline INTO v_tid, v_timeline, v_foreign FROM mtcp._place_tid($2) p;
    SELECT l.session INTO v_log FROM mtcp.txn_log l
     WHERE l.xid = v_tid AND (v_timeline IS NULL OR l.timeline = v_timeline);
    IF FOUND AND v_log.session <> v_session THEN
      RAISE EXCEPTION 'transaction % belongs to session %, not to session %', $2, v_log.session, v_session
        USING ERRCODE = 'MT005';
    END IF;
  END IF;

  -- Take the session row. Each round looks at the backends holding the session: the one still
  -- running tid gets until the deadline, any other (a later transaction of the old front-end) is
  -- terminated at once; then wait for the row lock, at most until the deadline or for a short slice.
  -- A tid of an older timeline runs nowhere here: a backend running its number runs another
  -- transaction.
  v_deadline := clock_timestamp() + v_timeout;
  v_give_up := v_deadline + interval '10 seconds';
  LOOP
    v_wait_ms := NULL;
    FOR v_holder IN
      SELECT l.pid,
             v_tid IS NOT NULL AND NOT v_foreign AND EXISTS (
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

  IF v_foreign THEN
    -- Of an older timeline: committed iff its row (with its timeline) reached this one; the
    -- commit log's entry for its number may be another transaction's. Nothing is recorded under
    -- that number: it may be (or become) another transaction's here.
    SELECT l.session INTO v_log FROM mtcp.txn_log l WHERE l.xid = v_tid AND l.timeline = v_timeline;
    IF FOUND AND v_log.session <> v_session THEN
      RAISE EXCEPTION 'transaction % belongs to session %, not to session %', $2, v_log.session, v_session
        USING ERRCODE = 'MT005';
    END IF;
    reconnect.outcome := mtcp._classify(v_tid, v_timeline, NULL);
    RETURN;
  END IF;

  -- Fenced: no transaction of an older epoch is running or can start, so tid's outcome is final.
  v_status := pg_xact_status(v_tid);
  SELECT l.session, l.status INTO v_log FROM mtcp.txn_log l
   WHERE l.xid = v_tid AND (v_timeline IS NULL OR l.timeline = v_timeline);
  IF FOUND AND v_log.session <> v_session THEN
    RAISE EXCEPTION 'transaction % belongs to session %, not to session %', $2, v_log.session, v_session
      USING ERRCODE = 'MT005';
  END IF;
  IF v_status = 'in progress' THEN
    RAISE EXCEPTION 'transaction % is still running but does not hold session %', $2, v_session
      USING ERRCODE = 'MT005', HINT = 'it did not call mtcp.begin for this session, or rolled it back to a savepoint';
  END IF;
  IF v_status = 'committed' AND NOT FOUND
     AND v_tid >= (SELECT r.log_horizon FROM mtcp.retention r)
     AND pg_visible_in_snapshot(v_tid, pg_current_snapshot()) THEN
    RAISE EXCEPTION 'transaction % committed without being registered for session %', $2, v_session
      USING ERRCODE = 'MT005', HINT = 'it did not call mtcp.begin for this session, or rolled it back to a savepoint';
  END IF;
  reconnect.outcome := mtcp._classify(v_tid, v_timeline, v_status);
  IF reconnect.outcome = 'aborted' THEN
    INSERT INTO mtcp.txn_log (xid, timeline, session, epoch, status)
      VALUES (v_tid, mtcp._timeline(), v_session, NULL, 'aborted')
      ON CONFLICT (xid) DO NOTHING;
  END IF;
END
$$;
COMMENT ON FUNCTION mtcp.reconnect(bigint, text, interval) IS
  'reconnectDB: takes the session over (epoch + 1) and returns the definite outcome of tid (timeline:xid, or a bare xid of this timeline)';

-- The 0.1 signature: a bare xid8, this timeline's transaction.
CREATE OR REPLACE FUNCTION mtcp.reconnect(session bigint, tid xid8, timeout interval, OUT epoch bigint, OUT outcome text)
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT r.epoch, r.outcome FROM mtcp.reconnect($1, $2::text, $3) r $$;
COMMENT ON FUNCTION mtcp.reconnect(bigint, xid8, interval) IS
  'mtcp 0.1: reconnect with a bare xid8, taken as this timeline''s transaction; use reconnect(bigint, text, interval)';

CREATE FUNCTION mtcp.outcome(tid text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_tid record;
BEGIN
  IF tid IS NULL THEN
    RAISE EXCEPTION 'transaction id must not be null' USING ERRCODE = '22004';
  END IF;
  SELECT p.xid, p.timeline, p.foreign_timeline INTO v_tid FROM mtcp._place_tid(tid) p;
  IF v_tid.foreign_timeline THEN
    RETURN mtcp._classify(v_tid.xid, v_tid.timeline, NULL);
  END IF;
  RETURN mtcp._classify(v_tid.xid, v_tid.timeline, pg_xact_status(v_tid.xid));
END
$$;
COMMENT ON FUNCTION mtcp.outcome(text) IS
  'Outcome of an mtcp transaction (timeline:xid, or a bare xid of this timeline): committed, aborted, in progress, or unknown (older than both the commit log and the log horizon)';

CREATE OR REPLACE FUNCTION mtcp.outcome(tid xid8) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM mtcp._check_tid(tid);
  RETURN mtcp._classify(tid, NULL, pg_xact_status(tid));
END
$$;
COMMENT ON FUNCTION mtcp.outcome(xid8) IS
  'mtcp 0.1: outcome of a bare xid8, taken as this timeline''s transaction; use outcome(text)';

CREATE OR REPLACE FUNCTION mtcp.grant_frontend(role name) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA mtcp TO %I', role);
  EXECUTE format('GRANT EXECUTE ON FUNCTION mtcp.api_version(), mtcp.tid(text), mtcp.timeline(), mtcp.open_session(), '
                 'mtcp.begin(bigint, bigint), mtcp.current_tid(), mtcp.reconnect(bigint, text, interval), '
                 'mtcp.reconnect(bigint, xid8, interval), mtcp.outcome(text), mtcp.outcome(xid8), '
                 'mtcp.close_session(bigint, bigint) TO %I', role);
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Privileges: nothing new for PUBLIC; the front-end roles of 0.1 get the new API functions.
-- ---------------------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION mtcp._timeline(), mtcp._parse_tid(text), mtcp._check_xid(xid8), mtcp._place_tid(text),
  mtcp._classify(xid8, bigint, text), mtcp.timeline(), mtcp.reconnect(bigint, text, interval), mtcp.outcome(text)
  FROM PUBLIC;

DO $grants$
DECLARE
  v_role text;
BEGIN
  -- Front-end roles are those mtcp.grant_frontend gave mtcp.begin to (the owner excepted).
  FOR v_role IN
    SELECT DISTINCT a.grantee::regrole::text
      FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
     WHERE p.oid = 'mtcp.begin(bigint, bigint)'::pg_catalog.regprocedure
       AND a.privilege_type = 'EXECUTE' AND a.grantee <> 0 AND a.grantee <> p.proowner
  LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION mtcp.timeline(), mtcp.reconnect(bigint, text, interval), '
                              'mtcp.outcome(text) TO %s', v_role);
  END LOOP;
END
$grants$;
