package org.mtcp.pg.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mtcp.pg.ext.MtcpCalls.ABORTED;
import static org.mtcp.pg.ext.MtcpCalls.COMMITTED;
import static org.mtcp.pg.ext.MtcpCalls.begin;
import static org.mtcp.pg.ext.MtcpCalls.openSession;
import static org.mtcp.pg.ext.MtcpCalls.outcome;
import static org.mtcp.pg.ext.MtcpCalls.queryString;
import static org.mtcp.pg.ext.MtcpCalls.reconnect;
import static org.mtcp.pg.ext.MtcpCalls.timeline;
import static org.mtcp.pg.ext.MtcpCalls.xid;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtcp.pg.ext.MtcpCalls.Session;
import org.mtcp.pg.ext.MtcpCalls.Takeover;
import org.mtcp.testkit.pg.PrimaryAndStandby;
import org.mtcp.testkit.pg.PrimaryAndStandby.Replication;

/**
 * Transaction ids across a promotion, on a real Debian PostgreSQL 15 primary and streaming
 * standby (issue 15): what reconnect and outcome answer on the promoted standby for transactions
 * of the old primary's timeline. The clusters are started here, with the extension as
 * {@code make install} put it into Debian's SHAREDIR (checked first).
 */
class FailoverTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String DB = "bank";

    /**
     * Synchronous replication, the primary crashes: an acknowledged COMMIT is reported committed
     * by the promoted standby, a transaction that was still open is reported aborted; the new
     * timeline's transactions carry its number. The standby, before its promotion, does not answer.
     */
    @Test
    void thePromotedStandbyReportsWhatThePrimaryAcknowledged() throws Exception {
        try (PrimaryAndStandby pair = PrimaryAndStandby.start(Replication.SYNCHRONOUS)) {
            setUp(pair);
            Session s;
            Session open;
            String committed;
            String inFlight;
            try (Connection fe1 = pair.primary().connect(DB); Connection fe1b = pair.primary().connect(DB)) {
                s = openSession(fe1);
                open = openSession(fe1);
                fe1.setAutoCommit(false);
                committed = begin(fe1, s);
                insert(fe1, "acknowledged");
                fe1.commit();                           // returns once the standby has it on disk
                fe1b.setAutoCommit(false);
                inFlight = begin(fe1b, open);
                insert(fe1b, "in-flight");
                try (Connection standby = pair.standby().connect(DB)) {
                    SQLException e = catchThrowableOfType(SQLException.class, () -> outcome(standby, committed));
                    assertThat((Throwable) e).as("a standby may not have replayed a commit yet").isNotNull();
                    assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("MT008");
                }
                pair.killPrimary();
            }
            assertThat(timeline(committed)).isEqualTo(1);
            pair.promoteStandby();

            try (Connection fe2 = pair.primary().connect(DB)) {
                assertThat(queryString(fe2, "SELECT mtcp.timeline()::text")).as("right after the promotion").isEqualTo("2");
                assertThat(outcome(fe2, inFlight)).isEqualTo(ABORTED);
                assertThat(reconnect(fe2, s.id(), committed, TIMEOUT)).isEqualTo(new Takeover(s.epoch() + 1, COMMITTED));
                assertThat(reconnect(fe2, open.id(), inFlight, TIMEOUT)).isEqualTo(new Takeover(open.epoch() + 1, ABORTED));
                assertThat(MtcpCalls.reconnectXid8(fe2, s.id(), xid(committed), TIMEOUT).outcome())
                        .as("the 0.1 form, a bare xid8, for a number the new timeline has too").isEqualTo(COMMITTED);
                assertThat(values(fe2)).containsExactly("acknowledged");
                fe2.setAutoCommit(false);
                String next = begin(fe2, s.at(s.epoch() + 2));
                fe2.commit();
                assertThat(timeline(next)).isEqualTo(2);
                assertThat(outcome(fe2, next)).isEqualTo(COMMITTED);
            }
        }
    }

    /**
     * The forked timeline (issue 15): two transactions commit on the old primary while the standby
     * is down ({@code synchronous_commit = local}); the standby is promoted without them, and its
     * new timeline hands their numbers out again, one to a transaction of another session and one
     * to the very session's next transaction after its takeover. Asked about the old tids, the new
     * primary answers aborted every time: before the numbers are assigned (no MT004), after they
     * were reused (not the new transaction's outcome, no MT005), and records nothing that would
     * stop the new transactions' mtcp.begin (no MT006). The old primary, started again, refuses
     * a tid of the new timeline (MT008).
     */
    @Test
    void aCommitTheStandbyNeverReceivedIsAbortedOnTheNewTimelineAndNeverConfusedWithTheReuseOfItsNumber() throws Exception {
        try (PrimaryAndStandby pair = PrimaryAndStandby.start(Replication.SYNCHRONOUS)) {
            setUp(pair);
            Session s;
            Session s2;
            Session s3;
            try (Connection c = pair.primary().connect(DB)) {
                s = openSession(c);
                s2 = openSession(c);
                s3 = openSession(c);
            }
            pair.awaitStandbyReplayed();
            pair.stopStandby();
            String lostY;
            String lostX;
            try (Connection old = pair.primary().connect(DB)) {
                execute(old, "SET synchronous_commit = local");   // committed here only: the standby is down
                burnXids(old, 3);                                  // room for the new primary's own transactions
                old.setAutoCommit(false);
                lostY = begin(old, s2);
                insert(old, "old-y");
                old.commit();
                old.setAutoCommit(true);
                burnXids(old, 3);
                old.setAutoCommit(false);
                lostX = begin(old, s);
                insert(old, "old-x");
                old.commit();
                assertThat(outcome(old, lostX)).isEqualTo(COMMITTED);
            }
            long y = Long.parseLong(xid(lostY));
            long x = Long.parseLong(xid(lostX));
            pair.killPrimary();
            pair.startStandby();
            pair.promoteStandby();

            try (Connection fe2 = pair.primary().connect(DB); Connection other = pair.primary().connect(DB);
                    Connection fe3 = pair.primary().connect(DB)) {
                assertThat(queryString(fe2, "SELECT mtcp.timeline()::text")).isEqualTo("2");
                assertThat(nextXid(fe2)).as("the numbers of the lost commits are not assigned here yet").isLessThan(y);

                // Not assigned yet: aborted, not MT004, and nothing recorded under the numbers.
                assertThat(outcome(fe2, lostY)).isEqualTo(ABORTED);
                assertThat(outcome(fe2, lostX)).isEqualTo(ABORTED);
                Takeover t = reconnect(fe2, s.id(), lostX, TIMEOUT);
                assertThat(t).isEqualTo(new Takeover(s.epoch() + 1, ABORTED));
                assertThat(logRows(fe2, x)).isZero();

                // Another session's transaction gets Y: its begin works; the old tid is still aborted, not MT005.
                other.setAutoCommit(false);
                String reusedY = beginWithXid(other, s3, y);
                insert(other, "new-y");
                other.commit();
                assertThat(reconnect(fe2, s2.id(), lostY, TIMEOUT)).isEqualTo(new Takeover(s2.epoch() + 1, ABORTED));
                assertThat(outcome(fe2, lostY)).isEqualTo(ABORTED);
                assertThat(outcome(fe2, reusedY)).isEqualTo(COMMITTED);
                assertThat(reusedY).isNotEqualTo(lostY);

                // The taken-over session's own next transaction gets X: the old tid is not its outcome.
                fe2.setAutoCommit(false);
                String reusedX = beginWithXid(fe2, s.at(t.epoch()), x);
                insert(fe2, "new-x");
                fe2.commit();
                fe2.setAutoCommit(true);
                assertThat(reconnect(fe3, s.id(), lostX, TIMEOUT)).isEqualTo(new Takeover(t.epoch() + 1, ABORTED));
                assertThat(outcome(fe3, lostX)).isEqualTo(ABORTED);
                assertThat(outcome(fe3, reusedX)).isEqualTo(COMMITTED);
                assertThat(reconnect(fe3, s.id(), reusedX, TIMEOUT).outcome()).isEqualTo(COMMITTED);
                assertThat(MtcpCalls.outcomeXid8(fe3, xid(lostX))).as("a bare xid8 (0.1) cannot tell: it names the number's new owner")
                        .isEqualTo(COMMITTED);
                assertThat(values(fe3)).containsExactly("new-x", "new-y");
            }

            // The old primary, started again as it was (split brain, on purpose): it is behind the
            // new timeline and says so instead of answering or taking the session over.
            pair.startOldPrimary();
            try (Connection stale = pair.standby().connect(DB)) {
                assertThat(outcome(stale, lostX)).as("its own view").isEqualTo(COMMITTED);
                String ofNewTimeline = "2:" + x;
                SQLException e = catchThrowableOfType(SQLException.class, () -> reconnect(stale, s.id(), ofNewTimeline, TIMEOUT));
                assertThat((Throwable) e).isNotNull();
                assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("MT008");
                assertThat(MtcpCalls.epochOf(stale, s.id())).isEqualTo(s.epoch());
            }
        }
    }

    private static void setUp(PrimaryAndStandby pair) throws SQLException {
        pair.requireExtensionInstalled("mtcp");
        pair.createDatabase(DB);
        try (Connection c = pair.primary().connect(DB)) {
            execute(c, "CREATE EXTENSION mtcp");
            execute(c, "CREATE TABLE app_data (key text PRIMARY KEY)");
        }
        for (PrimaryAndStandby.Node node : List.of(pair.primary(), pair.standby())) {
            try (Connection c = node.connect("postgres")) {
                // Nothing but the test assigns transaction ids (an autovacuum ANALYZE would take one).
                execute(c, "ALTER SYSTEM SET autovacuum = off");
                execute(c, "SELECT pg_reload_conf()");
            }
        }
        pair.awaitStandbyReplayed();
    }

    /** Begins transactions of {@code s} on {@code c} (committing them) until one gets {@code xid}; returns its tid. */
    private static String beginWithXid(Connection c, Session s, long xid) throws SQLException {
        while (true) {
            String tid = begin(c, s);
            long got = Long.parseLong(xid(tid));
            if (got == xid) {
                return tid;
            }
            assertThat(got).as("xid " + xid + " was taken by another transaction").isLessThan(xid);
            c.commit();
        }
    }

    private static void burnXids(Connection c, int n) throws SQLException {
        for (int i = 0; i < n; i++) {
            queryString(c, "SELECT pg_current_xact_id()::text");
        }
    }

    private static long nextXid(Connection c) throws SQLException {
        return Long.parseLong(queryString(c, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text"));
    }

    private static long logRows(Connection c, long xid) throws SQLException {
        return Long.parseLong(queryString(c, "SELECT count(*) FROM mtcp.txn_log WHERE xid = '" + xid + "'"));
    }

    private static void insert(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO app_data (key) VALUES (?)")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    private static List<String> values(Connection c) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT key FROM app_data ORDER BY key")) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
