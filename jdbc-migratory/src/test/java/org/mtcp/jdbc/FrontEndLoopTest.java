package org.mtcp.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mtcp.jdbc.FrontEnds.exists;
import static org.mtcp.jdbc.FrontEnds.insert;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.testkit.pg.TestRole;

/**
 * The paper's Figure 9 as a test: a front-end runs a batch of transactions, exporting a snapshot
 * (session, tid, position) inside each one just before COMMIT; the client's connection migrates
 * at a chosen point; the new front-end imports the snapshot, calls reconnect, reports the outcome
 * of the snapshot's transaction and goes on with the next one. Whatever the point, every
 * transaction runs at most once and every outcome the client hears matches the data.
 */
@LivePostgres(extensions = "mtcp")
final class FrontEndLoopTest {

    private static final int BATCH = 6;
    private static TestRole fe1Role;
    private static TestRole fe2Role;
    private static ExecutorService fe1Thread;
    private static java.sql.Connection observer;

    /** Where the old front-end is when the client migrates. */
    enum Point {
        /** after COMMIT of transaction k, before the next BEGIN */
        BETWEEN_TRANSACTIONS,
        /** snapshot of k exported, COMMIT not sent: it stalls */
        AFTER_SNAPSHOT_BEFORE_COMMIT,
        /** snapshot of k exported, then the front-end dies */
        DIES_AFTER_SNAPSHOT,
        /** k committed and transaction k + 1 running, before its snapshot */
        INSIDE_NEXT_TRANSACTION
    }

    /** What a front-end exports: the paper's state_snap. */
    record Snapshot(long sessionId, TxId tid, int last) {
    }

    @BeforeAll
    static void setUp(TestDatabase db) throws SQLException {
        fe1Role = db.createRole("fe1");
        fe2Role = db.createRole("fe2");
        FrontEnds.grant(db, fe1Role);
        FrontEnds.grant(db, fe2Role);
        FrontEnds.createAppData(db, fe1Role, fe2Role);
        fe1Thread = Executors.newSingleThreadExecutor();
        observer = db.connect();
    }

    @AfterAll
    static void tearDown() throws SQLException {
        fe1Thread.shutdownNow();
        observer.close();
    }

    @Test
    void everyMigrationPointGivesExactlyOnceAndTrueOutcomes(TestDatabase db) throws Exception {
        long seed = Long.getLong("mtcp.loop.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        int run = 0;
        for (Point point : Point.values()) {
            for (int k = 1; k < BATCH; k++) {
                migrateOnce(db, "loop" + run++ + "-", point, k, random.nextBoolean());
            }
        }
    }

    /**
     * One batch: FE1 runs it and is caught at {@code point} of transaction {@code k}; FE2 takes
     * over from the last snapshot. {@code lateCommit}: FE1 still tries to go on afterwards.
     */
    private void migrateOnce(TestDatabase db, String batch, Point point, int k, boolean lateCommit) throws Exception {
        Map<Integer, Outcome> heard = new ConcurrentHashMap<>();   // what the client receives, by position
        AtomicReference<Snapshot> exported = new AtomicReference<>();
        CountDownLatch caught = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        String context = batch + " " + point + " at " + k + (lateCommit ? ", the old front-end goes on" : "");

        try (MigratoryConnection fe1 = FrontEnds.connect(db, fe1Role); MigratoryConnection fe2 = FrontEnds.connect(db, fe2Role)) {
            Session session = fe1.openSession();
            Future<?> oldFrontEnd = fe1Thread.submit(() -> {
                try {
                    for (int i = 1; i <= BATCH; i++) {
                        MtcpTransaction tx = fe1.begin(session);
                        insert(tx.connection(), batch + i);
                        if (point == Point.INSIDE_NEXT_TRANSACTION && i == k + 1) {
                            caught.countDown();
                            release.await();
                            if (!lateCommit) {
                                return null;
                            }
                        }
                        exported.set(new Snapshot(session.id(), tx.id(), i));   // export_state, inside the transaction
                        if (i == k && point == Point.AFTER_SNAPSHOT_BEFORE_COMMIT) {
                            caught.countDown();
                            release.await();
                            if (!lateCommit) {
                                return null;
                            }
                        }
                        if (i == k && point == Point.DIES_AFTER_SNAPSHOT) {
                            fe1.abort(Runnable::run);
                            caught.countDown();
                            return null;
                        }
                        tx.commit();
                        heard.merge(i, Outcome.COMMITTED, FrontEndLoopTest::same);
                        if (i == k && point == Point.BETWEEN_TRANSACTIONS) {
                            caught.countDown();
                            release.await();
                            if (!lateCommit) {
                                return null;
                            }
                        }
                    }
                } catch (SQLException e) {
                    // the old front-end learns it was taken over (or its backend was terminated): it stops
                }
                return null;
            });
            assertThat(caught.await(1, TimeUnit.MINUTES)).as(context).isTrue();

            // The migration: FE2 imports the snapshot and reconnects.
            Snapshot snap = exported.get();
            Takeover t = fe2.reconnect(snap.sessionId(), snap.tid(), Duration.ofMillis(50));
            heard.merge(snap.last(), t.outcome(), FrontEndLoopTest::same);
            release.countDown();
            oldFrontEnd.get(1, TimeUnit.MINUTES);
            Session mine = t.session();
            for (int i = snap.last() + 1; i <= BATCH; i++) {
                try (MtcpTransaction tx = fe2.begin(mine)) {
                    insert(tx.connection(), batch + i);
                    tx.commit();
                    heard.merge(i, Outcome.COMMITTED, FrontEndLoopTest::same);
                }
            }
        }
        for (int i = 1; i <= BATCH; i++) {
            assertThat(heard).as(context + ": the client hears about every transaction").containsKey(i);
            assertThat(heard.get(i) == Outcome.COMMITTED).as(context + ": outcome of " + i + " matches the data")
                    .isEqualTo(exists(observer, batch + i));
        }
    }

    private static Outcome same(Outcome before, Outcome now) {
        if (before != now) {
            throw new AssertionError("the client heard " + before + " and then " + now + " for one transaction");
        }
        return now;
    }
}
