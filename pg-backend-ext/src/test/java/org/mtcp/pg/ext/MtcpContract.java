package org.mtcp.pg.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mtcp.pg.ext.MtcpCalls.ABORTED;
import static org.mtcp.pg.ext.MtcpCalls.COMMITTED;
import static org.mtcp.pg.ext.MtcpCalls.IN_PROGRESS;
import static org.mtcp.pg.ext.MtcpCalls.UNKNOWN;
import static org.mtcp.pg.ext.MtcpCalls.begin;
import static org.mtcp.pg.ext.MtcpCalls.openSession;
import static org.mtcp.pg.ext.MtcpCalls.outcome;
import static org.mtcp.pg.ext.MtcpCalls.queryString;
import static org.mtcp.pg.ext.MtcpCalls.reconnect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.mtcp.pg.ext.MtcpCalls.Session;
import org.mtcp.pg.ext.MtcpCalls.Takeover;
import org.mtcp.testkit.pg.Backends;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.testkit.pg.TestRole;

/**
 * The contract of the mtcp SQL API, run against a real PostgreSQL once per way of installing it:
 * {@code CREATE EXTENSION mtcp} (this module) and the Flyway migration (the sql module). A
 * subclass says how the schema gets there and who owns it; every check lives here, once.
 *
 * <p>The front-ends are two ordinary roles, {@code fe_a} (the old front-end, FE1) and
 * {@code fe_b} (the one that takes over, FE2), granted exactly what {@code mtcp.grant_frontend}
 * grants. They are different roles on purpose: terminating FE1's backend from FE2 then needs the
 * privilege the SECURITY DEFINER functions carry, not the shared-role shortcut.
 *
 * <p>Races are forced with real locks, and waits are on conditions in {@code pg_stat_activity}.
 */
@LivePostgres
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class MtcpContract {

    /** Trials of the COMMIT-versus-reconnect race ({@code -Dmtcp.race.trials}). */
    private static final int RACE_TRIALS = Integer.getInteger("mtcp.race.trials", 1000);
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final long CENTRE_STEP_NANOS = 25_000;

    protected TestDatabase db;
    protected TestRole feA;
    protected TestRole feB;
    private Connection admin;

    /** Installs the mtcp schema into {@code db}. */
    protected abstract void installMtcp(TestDatabase db) throws Exception;

    /** A connection as the owner of the mtcp objects (who may grant and call the internals). */
    protected abstract Connection connectAsOwner(TestDatabase db) throws SQLException;

    @BeforeAll
    final void setUpContract(TestDatabase database) throws Exception {
        this.db = database;
        installMtcp(database);
        feA = database.createRole("fe_a");
        feB = database.createRole("fe_b");
        try (Connection owner = connectAsOwner(database);
             PreparedStatement grant = owner.prepareStatement("SELECT mtcp.grant_frontend(?)")) {
            for (TestRole role : List.of(feA, feB)) {
                grant.setString(1, role.name());
                grant.execute();
            }
        }
        database.execute("CREATE TABLE app_data (key text PRIMARY KEY, fe text NOT NULL DEFAULT current_user)",
                "GRANT SELECT, INSERT ON app_data TO " + TestDatabase.quoteIdentifier(feA.name()) + ", "
                        + TestDatabase.quoteIdentifier(feB.name()));
        admin = database.connect();
    }

    @AfterAll
    final void tearDownContract() throws SQLException {
        if (admin != null) {
            admin.close();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Sessions and gettxnID
    // ------------------------------------------------------------------------------------------

    @Test
    void sessionsStartAtEpochZeroAndAreDistinct() throws SQLException {
        try (Connection fe = db.connect(feA)) {
            Session a = openSession(fe);
            Session b = openSession(fe);
            assertThat(a.epoch()).isZero();
            assertThat(b.epoch()).isZero();
            assertThat(a.id()).isNotEqualTo(b.id());
        }
    }

    @Test
    void theTransactionIdIsTheTimelineAndTheTransactionsOwnXid8() throws SQLException {
        try (Connection fe = db.connect(feA)) {
            Session s = openSession(fe);
            fe.setAutoCommit(false);
            assertThat(MtcpCalls.currentTid(fe)).isNull();
            String tid = begin(fe, s);
            assertThat(MtcpCalls.xid(tid)).isEqualTo(queryString(fe, "SELECT pg_current_xact_id()::text"));
            assertThat(MtcpCalls.timeline(tid)).as("the timeline of the WAL the primary writes")
                    .isEqualTo(Long.parseLong(queryString(admin,
                            "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint::text")));
            assertThat(MtcpCalls.currentTid(fe)).isEqualTo(tid);
            assertThat(outcome(fe, tid)).isEqualTo(IN_PROGRESS);
            fe.commit();
            assertThat(outcome(fe, tid)).isEqualTo(COMMITTED);
            assertThat(MtcpCalls.currentTid(fe)).isNull();
        }
    }

    // ------------------------------------------------------------------------------------------
    // The takeover cases of the paper (6.3.2, 6.4)
    // ------------------------------------------------------------------------------------------

    @Test
    void diedBeforeCommitIsAborted() throws Exception {
        Session s;
        String tid;
        try (Connection fe1 = db.connect(feA)) {
            s = openSession(fe1);
            fe1.setAutoCommit(false);
            tid = begin(fe1, s);
            insert(fe1, "died");
            fe1.abort(Runnable::run);       // the front-end dies: its socket closes without COMMIT
        }
        try (Connection fe2 = db.connect(feB)) {
            long started = System.nanoTime();
            Takeover t = reconnect(fe2, s.id(), tid, LONG);
            assertThat(t.outcome()).isEqualTo(ABORTED);
            assertThat(t.epoch()).isEqualTo(s.epoch() + 1);
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .as("the dead front-end's backend ends by itself; no need to wait for the timeout")
                    .isLessThan(LONG.dividedBy(4));
            assertThat(exists("died")).isFalse();
            assertThat(outcome(fe2, tid)).isEqualTo(ABORTED);
        }
    }

    @Test
    void stalledBetweenSnapshotAndCommitIsForcedToAbortAfterTheTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            String tid = begin(fe1, s);
            insert(fe1, "stalled");
            int fe1Pid = Backends.pid(fe1);
            // ... FE1 exports its snapshot here, then stalls before COMMIT ...
            long started = System.nanoTime();
            Takeover t = reconnect(fe2, s.id(), tid, timeout);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(t.outcome()).isEqualTo(ABORTED);
            assertThat(t.epoch()).isEqualTo(s.epoch() + 1);
            assertThat(took).as("waited for the snapshot transaction first").isGreaterThanOrEqualTo(timeout);
            assertThatThrownBy(fe1::commit).as("the late COMMIT").isInstanceOf(SQLException.class);
            Backends.awaitGone(admin, fe1Pid, LONG);
            assertThat(exists("stalled")).isFalse();
            assertThat(outcome(fe2, tid)).isEqualTo(ABORTED);
            assertThat(queryString(admin, "SELECT status FROM mtcp.txn_log WHERE xid = '" + Long.parseLong(MtcpCalls.xid(tid)) + "'"))
                    .as("the decision is logged").isEqualTo(ABORTED);
        }
    }

    @Test
    void committedIsCommitted() throws SQLException {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            String tid = begin(fe1, s);
            insert(fe1, "committed");
            fe1.commit();
            Takeover t = reconnect(fe2, s.id(), tid, LONG);
            assertThat(t.outcome()).isEqualTo(COMMITTED);
            assertThat(t.epoch()).isEqualTo(s.epoch() + 1);
            assertThat(exists("committed")).isTrue();
            assertThat(queryString(fe1, "SELECT 'alive'")).as("an idle old front-end is left alone").isEqualTo("alive");
            Takeover again = reconnect(fe2, s.id(), tid, Duration.ofDays(36500));     // any timeout is fine
            assertThat(again.outcome()).isEqualTo(COMMITTED);
            assertThat(again.epoch()).isEqualTo(s.epoch() + 2);
        }
    }

    @Test
    void rolledBackIsAborted() throws SQLException {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            String tid = begin(fe1, s);
            insert(fe1, "rolled-back");
            fe1.rollback();                 // the final query is ABORT (Figure 9, transaction 2)
            Takeover t = reconnect(fe2, s.id(), tid, LONG);
            assertThat(t.outcome()).isEqualTo(ABORTED);
            assertThat(exists("rolled-back")).isFalse();
            assertThat(queryString(fe1, "SELECT 'alive'")).isEqualTo("alive");
        }
    }

    @Test
    void aLaterTransactionOfTheOldFrontEndIsAbortedAtOnce() throws Exception {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            String tid = begin(fe1, s);
            insert(fe1, "next-1");
            fe1.commit();                   // the snapshot transaction committed ...
            begin(fe1, s);                  // ... and FE1 went on with the next one
            insert(fe1, "next-2");
            long started = System.nanoTime();
            Takeover t = reconnect(fe2, s.id(), tid, LONG);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("at once, not after the timeout")
                    .isLessThan(LONG.dividedBy(4));
            assertThat(t.outcome()).isEqualTo(COMMITTED);
            assertThatThrownBy(fe1::commit).isInstanceOf(SQLException.class);
            assertThat(exists("next-1")).isTrue();
            assertThat(exists("next-2")).as("nothing of the aborted transaction remains").isFalse();
        }
    }

    @Test
    void aLaterTransactionIsAbortedAtOnceWhenTheSnapshotTransactionAborted() throws Exception {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            String tid = begin(fe1, s);
            insert(fe1, "rolled-back-1");
            fe1.rollback();
            begin(fe1, s);
            insert(fe1, "rolled-back-2");
            Takeover t = reconnect(fe2, s.id(), tid, LONG);
            assertThat(t.outcome()).isEqualTo(ABORTED);
            assertThatThrownBy(fe1::commit).isInstanceOf(SQLException.class);
            assertThat(exists("rolled-back-1")).isFalse();
            assertThat(exists("rolled-back-2")).isFalse();
        }
    }

    @Test
    void aLaterTransactionOnAnotherPooledConnectionIsAbortedAtOnceToo() throws Exception {
        try (Connection pooled1 = db.connect(feA); Connection pooled2 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(pooled1);
            pooled1.setAutoCommit(false);
            pooled2.setAutoCommit(false);
            String tid = begin(pooled1, s);
            pooled1.commit();
            begin(pooled2, s);
            insert(pooled2, "pooled-2");
            assertThat(reconnect(fe2, s.id(), tid, LONG).outcome()).isEqualTo(COMMITTED);
            assertThatThrownBy(pooled2::commit).isInstanceOf(SQLException.class);
            assertThat(exists("pooled-2")).isFalse();
            assertThat(queryString(pooled1, "SELECT 'alive'")).isEqualTo("alive");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Fencing
    // ------------------------------------------------------------------------------------------

    @Test
    void aFencedFrontEndCannotBegin() throws SQLException {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            Takeover t = reconnect(fe2, s.id(), null, Duration.ZERO);
            assertThat(t.outcome()).isNull();
            assertThat(t.epoch()).isEqualTo(1);
            fe1.setAutoCommit(false);
            assertSqlState("MT001", () -> begin(fe1, s));
            fe1.rollback();
            try (Connection fresh = db.connect(feA)) {
                fresh.setAutoCommit(false);
                assertSqlState("MT001", () -> begin(fresh, s));
            }
            fe2.setAutoCommit(false);
            assertThat(begin(fe2, s.at(t.epoch()))).isNotNull();
            fe2.commit();
        }
    }

    @Test
    void aFencedFrontEndCannotCommitWhenItBeginsBehindATakeover() throws Exception {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe2.setAutoCommit(false);
            reconnect(fe2, s.id(), null, Duration.ZERO);        // holds the session row until fe2 commits
            fe1.setAutoCommit(false);
            insert(fe1, "behind");                              // work done before begin (not the discipline, but possible)
            int fe1Pid = Backends.pid(fe1);
            ExecutorService fe1Thread = Executors.newSingleThreadExecutor();
            try {
                Future<String> blocked = fe1Thread.submit(() -> begin(fe1, s));
                Backends.awaitWaitingForLock(admin, fe1Pid, LONG);
                fe2.commit();
                SQLException e = catchSqlException(blocked);
                assertThat(e.getSQLState()).isEqualTo("MT001");
            } finally {
                fe1Thread.shutdownNow();
            }
            fe1.commit();                   // pgjdbc turns COMMIT of a failed transaction into ROLLBACK, silently
            assertThat(exists("behind")).isFalse();
        }
    }

    @Test
    void aFencedFrontEndCannotCommitInRepeatableReadEither() throws Exception {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            fe1.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            assertThat(queryString(fe1, "SELECT 'snapshot taken'")).isNotNull();
            reconnect(fe2, s.id(), null, Duration.ZERO);        // committed after fe1's snapshot
            assertSqlState("MT001", () -> begin(fe1, s));
            fe1.rollback();
            fe1.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            assertThat(queryString(fe1, "SELECT 'snapshot taken'")).isNotNull();
            Takeover t = reconnect(fe2, s.id(), null, Duration.ZERO);
            assertSqlState("MT001", () -> begin(fe1, s.at(t.epoch() - 1)));
            fe1.rollback();
        }
    }

    // ------------------------------------------------------------------------------------------
    // The race: COMMIT at FE1 against reconnect at FE2
    // ------------------------------------------------------------------------------------------

    /** Trials of the COMMIT-versus-reconnect race; a subclass may run fewer (the SQL is the same). */
    protected int raceTrials() {
        return RACE_TRIALS;
    }

    @Test
    void commitRacingReconnectAlwaysReportsWhatTheDataShows() throws Exception {
        int trials = raceTrials();
        long seed = Long.getLong("mtcp.race.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        ExecutorService fe1Thread = Executors.newSingleThreadExecutor();
        // Every forced abort costs FE1 its connection, and a new backend takes tens of ms to
        // start on a small machine: open the next ones in the background.
        ExecutorService opener = Executors.newSingleThreadExecutor();
        ArrayDeque<Future<Connection>> spares = new ArrayDeque<>();
        Connection fe1 = null;
        int committed = 0;
        int aborted = 0;
        int fe1SawCommit = 0;
        long centreNanos = 1_000_000;
        try (Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe2);
            for (int trial = 0; trial < trials; trial++) {
                while (spares.size() < 3) {
                    spares.add(opener.submit(() -> {
                        Connection c = db.connect(feA);
                        c.setAutoCommit(false);
                        return c;
                    }));
                }
                if (fe1 != null && !fe1.isValid(10)) {
                    fe1.close();                // committed, then terminated all the same (see _terminate_holder)
                    fe1 = null;
                }
                if (fe1 == null) {
                    fe1 = spares.poll().get(1, TimeUnit.MINUTES);
                }
                String key = "race-" + seed + "-" + trial;
                String tid = begin(fe1, s);
                insert(fe1, key);
                // FE1's COMMIT lands anywhere in a 1.2 ms window around reconnect's decision: before
                // it starts, while it waits for tid, around the termination, after it. The window's
                // centre follows the boundary (down 4 steps per abort, up 1 per commit), which keeps
                // about one trial in five aborted on a fast machine and on a loaded one alike:
                // every abort costs FE1 its backend, and new backends are slow.
                long commitDelayNanos = Math.max(0, centreNanos + random.nextLong(-600_000, 600_000));
                long reconnectDelayNanos = random.nextLong(300_000);
                double timeoutSeconds = random.nextInt(1_000) / 1e6;
                CountDownLatch go = new CountDownLatch(1);
                Connection committing = fe1;
                Future<Boolean> commit = fe1Thread.submit(() -> {
                    go.await();
                    spin(commitDelayNanos);
                    try {
                        committing.commit();
                        return true;
                    } catch (SQLException e) {
                        return false;
                    }
                });
                go.countDown();
                spin(reconnectDelayNanos);
                Takeover t = reconnect(fe2, s.id(), tid, timeoutSeconds);
                boolean feCommitted = commit.get(1, TimeUnit.MINUTES);
                boolean present = exists(key);
                String context = "trial " + trial + " (seed " + seed + ", tid " + tid + ")";
                assertThat(t.outcome()).as(context).isEqualTo(present ? COMMITTED : ABORTED);
                if (feCommitted) {
                    assertThat(present).as(context + ": FE1's COMMIT succeeded").isTrue();
                    fe1SawCommit++;
                }
                assertThat(t.epoch()).as(context).isEqualTo(s.epoch() + 1);
                s = s.at(t.epoch());
                if (present) {
                    committed++;
                    centreNanos += CENTRE_STEP_NANOS;
                } else {
                    aborted++;
                    centreNanos = Math.max(0, centreNanos - 4 * CENTRE_STEP_NANOS);
                }
                if (!feCommitted) {
                    fe1.close();                // terminated (or its COMMIT failed): a new connection
                    fe1 = null;
                }
            }
        } finally {
            fe1Thread.shutdownNow();
            if (fe1 != null) {
                fe1.close();
            }
            for (Future<Connection> spare : spares) {
                spare.get(1, TimeUnit.MINUTES).close();
            }
            opener.shutdownNow();
        }
        System.out.printf("race: %d trials, %d committed (%d seen by FE1), %d aborted, commit window centre %d us, seed %d%n",
                trials, committed, fe1SawCommit, aborted, centreNanos / 1000, seed);
        assertThat(committed).as("the race must go both ways (seed %d)", seed).isGreaterThanOrEqualTo(trials / 20);
        assertThat(aborted).as("the race must go both ways (seed %d)", seed).isGreaterThanOrEqualTo(trials / 20);
    }

    // ------------------------------------------------------------------------------------------
    // Bad input
    // ------------------------------------------------------------------------------------------

    @Test
    void badInputGetsAClearError() throws SQLException {
        try (Connection fe = db.connect(feA); Connection other = db.connect(feB)) {
            Session s = openSession(fe);
            Session t = openSession(fe);
            long unknown = Long.MAX_VALUE;
            long timeline = Long.parseLong(queryString(fe, "SELECT mtcp.timeline()::text"));
            String future = timeline + ":" + (Long.parseLong(queryString(fe, "SELECT pg_current_xact_id()::text")) + 1_000_000);

            fe.setAutoCommit(false);
            assertSqlStateAndMessage("MT002", "unknown session", () -> begin(fe, unknown, 0L));
            fe.rollback();
            assertSqlState("22004", () -> begin(fe, null, 0L));
            fe.rollback();
            assertSqlState("22004", () -> begin(fe, s.id(), null));
            fe.rollback();
            String tidOfT = begin(fe, t);
            assertSqlStateAndMessage("MT006", "already registered", () -> begin(fe, t));
            fe.rollback();
            fe.setAutoCommit(true);
            other.setAutoCommit(false);
            tidOfT = begin(other, t);
            other.commit();

            assertSqlStateAndMessage("MT002", "unknown session", () -> reconnect(fe, unknown, null, Duration.ZERO));
            assertSqlStateAndMessage("MT004", "future", () -> reconnect(fe, s.id(), future, Duration.ZERO));
            assertSqlStateAndMessage("MT004", "not a normal", () -> reconnect(fe, s.id(), timeline + ":0", Duration.ZERO));
            assertSqlStateAndMessage("MT004", "not a normal", () -> reconnect(fe, s.id(), "0", Duration.ZERO));
            assertSqlStateAndMessage("MT004", "not a normal", () -> reconnect(fe, s.id(), "4294967296", Duration.ZERO));
            for (String malformed : List.of("12abc", "", "-1", "1.5", "18446744073709551616", " 12", "1:", ":12", "1:2:3", "0:12",
                    "4294967296:12", "-1:12", "1 :12", "12345678901:12", "1:12abc")) {
                assertSqlStateAndMessage("MT004", "malformed", () -> reconnect(fe, s.id(), malformed, Duration.ZERO));
                assertSqlStateAndMessage("MT004", "malformed", () -> outcome(fe, malformed));
            }
            assertSqlStateAndMessage("22023", "must not be negative", () -> reconnect(fe, s.id(), null, -0.001));
            assertSqlState("22004", () -> reconnect(fe, s.id(), null, (Double) null));
            String foreign = tidOfT;
            assertSqlStateAndMessage("MT005", "belongs to session " + t.id(), () -> reconnect(fe, s.id(), foreign, Duration.ZERO));
            assertSqlStateAndMessage("MT004", "future", () -> outcome(fe, future));
            assertSqlState("22004", () -> outcome(fe, null));
            assertThat(MtcpCalls.epochOf(admin, s.id())).as("refused takeovers change nothing").isZero();

            assertSqlStateAndMessage("MT001", "fenced", () -> MtcpCalls.closeSession(fe, s.at(7)));
            assertSqlStateAndMessage("MT002", "unknown session", () -> MtcpCalls.closeSession(fe, new Session(unknown, 0)));
        }
        try (Connection owner = connectAsOwner(db)) {
            assertSqlStateAndMessage("22023", "must not be negative", () -> MtcpCalls.prune(owner, Duration.ofSeconds(-1)));
        }
    }

    @Test
    void aTransactionThatDidNotRegisterIsNotTakenForTheSessions() throws Exception {
        try (Connection stranger = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe2);
            stranger.setAutoCommit(false);
            String running = queryString(stranger, "SELECT mtcp.timeline() || ':' || pg_current_xact_id()");
            assertSqlStateAndMessage("MT005", "does not hold session", () -> reconnect(fe2, s.id(), running, Duration.ZERO));
            assertThat(queryString(stranger, "SELECT 'alive'")).as("not ours to terminate").isEqualTo("alive");
            stranger.commit();
            assertSqlStateAndMessage("MT005", "without being registered", () -> reconnect(fe2, s.id(), running, Duration.ZERO));
        }
    }

    // ------------------------------------------------------------------------------------------
    // Timelines (the forked case itself needs a promotion: FailoverTest, on real clusters)
    // ------------------------------------------------------------------------------------------

    /** A bare xid8 (mtcp 0.1's tid, in an old front-end's snapshot) means this timeline's transaction. */
    @Test
    void aBareXidIsThisTimelinesTransactionAsInVersion01() throws SQLException {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            String committedTid = begin(fe1, s);
            fe1.commit();
            String rolledBackTid = begin(fe1, s);
            fe1.rollback();
            String committedXid = MtcpCalls.xid(committedTid);
            String rolledBackXid = MtcpCalls.xid(rolledBackTid);
            assertThat(outcome(fe2, committedXid)).isEqualTo(COMMITTED);
            assertThat(MtcpCalls.outcomeXid8(fe2, committedXid)).isEqualTo(COMMITTED);
            assertThat(MtcpCalls.outcomeXid8(fe2, rolledBackXid)).isEqualTo(ABORTED);
            Takeover first = MtcpCalls.reconnectXid8(fe2, s.id(), committedXid, Duration.ZERO);
            assertThat(first).isEqualTo(new Takeover(s.epoch() + 1, COMMITTED));
            assertThat(reconnect(fe2, s.id(), rolledBackXid, Duration.ZERO)).isEqualTo(new Takeover(s.epoch() + 2, ABORTED));
            assertThat(reconnect(fe2, s.id(), rolledBackTid, Duration.ZERO).outcome()).as("the same transaction").isEqualTo(ABORTED);
        }
    }

    /**
     * A tid of a later timeline than the server's comes from a newer primary: this server is behind
     * (an old primary started again), so it refuses to answer and takes nothing over.
     */
    @Test
    void aTidOfALaterTimelineIsRefusedAndTakesNothingOver() throws SQLException {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            String tid = begin(fe1, s);
            fe1.commit();
            String later = (MtcpCalls.timeline(tid) + 1) + ":" + MtcpCalls.xid(tid);
            assertSqlStateAndMessage("MT008", "is of timeline", () -> reconnect(fe2, s.id(), later, LONG));
            assertSqlStateAndMessage("MT008", "is of timeline", () -> outcome(fe2, later));
            assertThat(MtcpCalls.epochOf(admin, s.id())).isEqualTo(s.epoch());
            assertThat(queryString(fe1, "SELECT 'alive'")).isEqualTo("alive");
            assertThat(reconnect(fe2, s.id(), tid, Duration.ZERO).outcome()).isEqualTo(COMMITTED);
        }
    }

    // ------------------------------------------------------------------------------------------
    // The outcome log
    // ------------------------------------------------------------------------------------------

    @Test
    void outcomesOutliveTheCommitLog() throws Exception {
        String committedTid;
        String abortedDecided;
        String abortedSilently;
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            committedTid = begin(fe1, s);
            fe1.commit();
            abortedSilently = begin(fe1, s);
            fe1.rollback();
            abortedDecided = begin(fe1, s);
            insert(fe1, "decided");
            Takeover t = reconnect(fe2, s.id(), abortedDecided, Duration.ZERO);
            assertThat(t.outcome()).isEqualTo(ABORTED);
        }
        try (Connection owner = connectAsOwner(db)) {
            // What mtcp answers once pg_xact_status no longer knows a transaction (NULL):
            assertThat(classify(owner, committedTid, null)).isEqualTo(COMMITTED);
            assertThat(classify(owner, abortedDecided, null)).isEqualTo(ABORTED);
            assertThat(classify(owner, abortedSilently, null)).as("no row above the horizon: it did not commit").isEqualTo(ABORTED);
            // ... and while it still knows, the commit log and the log agree:
            assertThat(outcome(owner, committedTid)).isEqualTo(COMMITTED);
            assertThat(outcome(owner, abortedSilently)).isEqualTo(ABORTED);
            // Pruning everything raises the horizon past them: only the commit log is left.
            MtcpCalls.prune(owner, Duration.ZERO);
            assertThat(classify(owner, committedTid, null)).isEqualTo(UNKNOWN);
            assertThat(classify(owner, abortedSilently, null)).isEqualTo(UNKNOWN);
            assertThat(outcome(owner, committedTid)).isEqualTo(COMMITTED);
            assertThat(outcome(owner, abortedDecided)).isEqualTo(ABORTED);
        }
    }

    @Test
    void pruneKeepsTheLogBoundedAndRaisesTheHorizon() throws Exception {
        try (Connection owner = connectAsOwner(db); Connection fe = db.connect(feA)) {
            MtcpCalls.prune(owner, Duration.ZERO);
            Session closed = openSession(fe);
            MtcpCalls.closeSession(fe, closed);
            Session busy = openSession(fe);
            Session recent = openSession(fe);
            fe.setAutoCommit(false);
            String old = begin(fe, recent);
            fe.commit();
            String horizonBefore = queryString(owner, "SELECT log_horizon::text FROM mtcp.retention");

            // keep a day: nothing of this test is old enough
            long[] kept = MtcpCalls.prune(owner, Duration.ofDays(1));
            assertThat(kept[0]).isZero();
            assertThat(sessionExists(closed)).isTrue();
            assertThat(outcome(fe, old)).isEqualTo(COMMITTED);
            fe.commit();

            begin(fe, busy);                 // in use during the prune: skipped, not waited for
            try (Connection fe2 = db.connect(feB)) {
                long[] pruned = MtcpCalls.prune(owner, Duration.ZERO);
                assertThat(pruned[0]).isGreaterThanOrEqualTo(1);
                assertThat(pruned[1]).isGreaterThanOrEqualTo(2);
                assertThat(sessionExists(closed)).isFalse();
                assertThat(sessionExists(recent)).isFalse();
                assertThat(sessionExists(busy)).as("locked by a running transaction").isTrue();
                assertThat(Long.parseLong(queryString(owner, "SELECT log_horizon::text FROM mtcp.retention")))
                        .isGreaterThan(Long.parseLong(horizonBefore));
                assertThat(queryString(owner, "SELECT count(*) FROM mtcp.txn_log WHERE xid = '" + Long.parseLong(MtcpCalls.xid(old)) + "'"))
                        .isEqualTo("0");
                assertThat(outcome(fe2, old)).as("the commit log still knows it").isEqualTo(COMMITTED);
            }
            fe.commit();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Who gets terminated
    // ------------------------------------------------------------------------------------------

    @Test
    void takeoverNeverTouchesAnotherSessionsTransaction() throws Exception {
        try (Connection fe1 = db.connect(feA); Connection bystander = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session mine = openSession(fe1);
            Session theirs = openSession(fe1);
            Session third = openSession(fe1);
            fe1.setAutoCommit(false);
            bystander.setAutoCommit(false);
            String tid = begin(fe1, mine);
            fe1.commit();
            begin(fe1, theirs);             // same backend, now serving another session
            insert(fe1, "theirs");
            begin(bystander, third);
            insert(bystander, "third");
            Takeover t = reconnect(fe2, mine.id(), tid, Duration.ZERO);
            assertThat(t.outcome()).isEqualTo(COMMITTED);
            fe1.commit();
            bystander.commit();
            assertThat(exists("theirs")).isTrue();
            assertThat(exists("third")).isTrue();
        }
    }

    @Test
    void successiveTakeoversEachFenceThePrevious() throws Exception {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB); Connection fe3 = db.connect(feA)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            String tid1 = begin(fe1, s);
            fe1.commit();
            Takeover first = reconnect(fe2, s.id(), tid1, Duration.ZERO);
            fe2.setAutoCommit(false);
            String tid2 = begin(fe2, s.at(first.epoch()));
            insert(fe2, "second-fe");
            Takeover second = reconnect(fe3, s.id(), tid2, Duration.ofMillis(50));
            assertThat(second.epoch()).isEqualTo(first.epoch() + 1);
            assertThat(second.outcome()).isEqualTo(ABORTED);
            assertThatThrownBy(fe2::commit).isInstanceOf(SQLException.class);
            assertThat(reconnect(fe3, s.id(), tid1, Duration.ZERO).outcome()).as("old outcomes stay").isEqualTo(COMMITTED);
        }
    }

    @Test
    void concurrentTakeoversAgreeOnTheOutcome() throws Exception {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB); Connection fe3 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            String tid = begin(fe1, s);
            insert(fe1, "contested");
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<Takeover> a = pool.submit(() -> reconnect(fe2, s.id(), tid, Duration.ofMillis(200)));
                Future<Takeover> b = pool.submit(() -> reconnect(fe3, s.id(), tid, Duration.ofMillis(200)));
                Takeover ta = a.get(1, TimeUnit.MINUTES);
                Takeover tb = b.get(1, TimeUnit.MINUTES);
                assertThat(ta.outcome()).isEqualTo(ABORTED);
                assertThat(tb.outcome()).isEqualTo(ABORTED);
                assertThat(Set.of(ta.epoch(), tb.epoch())).containsExactlyInAnyOrder(s.epoch() + 1, s.epoch() + 2);
            } finally {
                pool.shutdownNow();
            }
            assertThat(exists("contested")).isFalse();
        }
    }

    @Test
    void closedSessionsRefuseNewTransactionsButStillAnswer() throws SQLException {
        try (Connection fe1 = db.connect(feA); Connection fe2 = db.connect(feB)) {
            Session s = openSession(fe1);
            fe1.setAutoCommit(false);
            String tid = begin(fe1, s);
            fe1.commit();
            fe1.setAutoCommit(true);
            MtcpCalls.closeSession(fe1, s);
            MtcpCalls.closeSession(fe1, s);  // idempotent
            fe1.setAutoCommit(false);
            assertSqlStateAndMessage("MT003", "closed", () -> begin(fe1, s));
            fe1.rollback();
            assertThat(reconnect(fe2, s.id(), tid, Duration.ZERO).outcome()).isEqualTo(COMMITTED);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Privileges
    // ------------------------------------------------------------------------------------------

    @Test
    void frontEndRolesNeedNoMoreThanTheDocumentedGrants() throws SQLException {
        try (Connection fe = db.connect(feA)) {
            assertThat(queryString(fe, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user")).isEqualTo("false");
            assertSqlState("42501", () -> queryString(fe, "SELECT count(*) FROM mtcp.session"));
            assertSqlState("42501", () -> queryString(fe, "SELECT count(*) FROM mtcp.txn_log"));
            assertSqlState("42501", () -> queryString(fe, "SELECT mtcp._terminate_holder(1, 1)::text"));
            assertSqlState("42501", () -> queryString(fe, "SELECT log_rows::text FROM mtcp.prune('1 day')"));
            assertThat(queryString(fe, "SELECT mtcp.api_version()")).isEqualTo("0.2");
        }
        TestRole nobody = db.createRole("nobody");
        try (Connection c = db.connect(nobody)) {
            assertSqlState("42501", () -> queryString(c, "SELECT mtcp.api_version()"));
            assertSqlState("42501", () -> openSession(c));
        }
    }

    @Test
    void everyFunctionPinsItsSearchPathAndPublicMayExecuteNone() throws SQLException {
        try (PreparedStatement ps = admin.prepareStatement("""
                SELECT p.oid::regprocedure::text, p.prosecdef,
                       coalesce(array_to_string(p.proconfig, ','), '') AS config,
                       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
                  FROM pg_proc p WHERE p.pronamespace = 'mtcp'::regnamespace ORDER BY 1""");
             ResultSet rs = ps.executeQuery()) {
            List<String> functions = new ArrayList<>();
            while (rs.next()) {
                String name = rs.getString(1);
                functions.add(name);
                assertThat(rs.getString("config")).as(name).contains("search_path=pg_catalog, pg_temp");
                assertThat(rs.getBoolean("public_execute")).as(name).isFalse();
                if (name.startsWith("mtcp._") || name.startsWith("mtcp.grant_frontend") || name.startsWith("mtcp.api_version")
                        || name.startsWith("mtcp.tid")) {
                    assertThat(rs.getBoolean("prosecdef")).as(name + " runs as its caller").isFalse();
                } else {
                    assertThat(rs.getBoolean("prosecdef")).as(name + " is the API: SECURITY DEFINER").isTrue();
                }
            }
            assertThat(functions).contains("mtcp.begin(bigint,bigint)", "mtcp.reconnect(bigint,xid8,interval)",
                    "mtcp.reconnect(bigint,text,interval)", "mtcp.outcome(xid8)", "mtcp.outcome(text)", "mtcp.timeline()",
                    "mtcp.open_session()", "mtcp.prune(interval)");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------

    private static void insert(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO app_data (key) VALUES (?)")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    private boolean exists(String key) throws SQLException {
        try (PreparedStatement ps = admin.prepareStatement("SELECT 1 FROM app_data WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private boolean sessionExists(Session s) throws SQLException {
        return MtcpCalls.epochOf(admin, s.id()) >= 0;
    }

    private static String classify(Connection owner, String tid, String clogStatus) throws SQLException {
        try (PreparedStatement ps = owner.prepareStatement("SELECT mtcp._classify(?::xid8, ?::bigint, ?)")) {
            ps.setString(1, MtcpCalls.xid(tid));
            ps.setLong(2, MtcpCalls.timeline(tid));
            ps.setString(3, clogStatus);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    private static SQLException catchSqlException(Future<?> future) throws InterruptedException {
        try {
            future.get(1, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                return sql;
            }
            throw new AssertionError("expected an SQLException", e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("still blocked after a minute", e);
        }
        throw new AssertionError("expected an SQLException, but it succeeded");
    }

    protected static void assertSqlState(String sqlState, ThrowingCallable call) {
        SQLException e = catchThrowableOfType(SQLException.class, call);
        assertThat((Throwable) e).as("expected SQLSTATE " + sqlState).isNotNull();
        assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo(sqlState);
    }

    protected static void assertSqlStateAndMessage(String sqlState, String messagePart, ThrowingCallable call) {
        SQLException e = catchThrowableOfType(SQLException.class, call);
        assertThat((Throwable) e).as("expected SQLSTATE " + sqlState).isNotNull();
        assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo(sqlState);
        assertThat(e.getMessage()).contains(messagePart);
    }

    /** Runs one statement as {@code c}'s role (for subclasses' install steps). */
    protected static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
