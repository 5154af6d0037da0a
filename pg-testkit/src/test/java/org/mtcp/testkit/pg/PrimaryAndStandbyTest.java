package org.mtcp.testkit.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtcp.testkit.pg.PrimaryAndStandby.Replication;

/**
 * The fixture for issue 15 does what it says on real Debian PostgreSQL 15 clusters: a COMMIT
 * acknowledged under synchronous replication survives the primary's crash and the standby's
 * promotion, and the multi-host URL finds the new primary; a commit the standby never received
 * makes a forked timeline (the old primary, started again, has it; the new one does not); pg_rewind
 * turns the old primary into the new one's standby without it.
 */
class PrimaryAndStandbyTest {

    @Test
    void anAcknowledgedCommitSurvivesTheFailoverAndTheMultiHostUrlFollowsThePrimary() throws Exception {
        try (PrimaryAndStandby pair = PrimaryAndStandby.start(Replication.SYNCHRONOUS)) {
            pair.createDatabase("bank");
            try (Connection c = DriverManager.getConnection(pair.multiHostUrl("bank")); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (v text PRIMARY KEY)");
                s.execute("INSERT INTO t VALUES ('before')");       // returns once the standby has it on disk
            }
            assertThat(serverOf(pair.multiHostUrl("bank"))).isEqualTo(pair.primary().port());
            PrimaryAndStandby.Node old = pair.primary();

            pair.killPrimary();
            pair.promoteStandby();

            assertThat(pair.primary()).isNotSameAs(old);
            try (Connection c = DriverManager.getConnection(pair.multiHostUrl("bank")); Statement s = c.createStatement()) {
                s.execute("INSERT INTO t VALUES ('after')");
            }
            assertThat(serverOf(pair.multiHostUrl("bank"))).isEqualTo(pair.primary().port());
            assertThat(values(pair.primary(), "bank")).containsExactly("after", "before");
        }
    }

    @Test
    void aCommitTheStandbyNeverReceivedForksTheTimelineAndPgRewindDropsIt() throws Exception {
        try (PrimaryAndStandby pair = PrimaryAndStandby.start(Replication.SYNCHRONOUS)) {
            pair.createDatabase("bank");
            try (Connection c = pair.primary().connect("bank"); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (v text PRIMARY KEY)");
                s.execute("INSERT INTO t VALUES ('both')");
            }
            pair.stopStandby();
            try (Connection c = pair.primary().connect("bank"); Statement s = c.createStatement()) {
                s.execute("SET synchronous_commit = local");    // committed here only: the standby is down
                s.execute("INSERT INTO t VALUES ('old-primary-only')");
            }
            pair.killPrimary();
            pair.startStandby();
            pair.promoteStandby();
            try (Connection c = pair.primary().connect("bank"); Statement s = c.createStatement()) {
                s.execute("INSERT INTO t VALUES ('new-primary-only')");
            }
            assertThat(values(pair.primary(), "bank")).containsExactly("both", "new-primary-only");

            pair.startOldPrimary();                             // split brain, on purpose
            assertThat(values(pair.standby(), "bank")).containsExactly("both", "old-primary-only");
            assertThat(timeline(pair.primary())).isGreaterThan(timeline(pair.standby()));
            assertThatThrownBy(pair::rejoinOldPrimaryAsStandby).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is running");

            pair.kill(pair.standby());
            pair.rejoinOldPrimaryAsStandby();
            try (Connection c = pair.primary().connect("bank"); Statement s = c.createStatement()) {
                s.execute("INSERT INTO t VALUES ('replicated-again')");  // synchronous: waits for the rejoined one
            }
            pair.awaitStandbyReplayed();
            assertThat(values(pair.standby(), "bank")).as(pair.standby().logTail() + "\nPRIMARY" + pair.primary().logTail()).containsExactly("both", "new-primary-only", "replicated-again");
        }
    }

    private static int serverOf(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT inet_server_port()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static long timeline(PrimaryAndStandby.Node node) throws SQLException {
        try (Connection c = node.connect("postgres"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> values(PrimaryAndStandby.Node node, String database) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = node.connect(database); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT v FROM t ORDER BY v")) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
