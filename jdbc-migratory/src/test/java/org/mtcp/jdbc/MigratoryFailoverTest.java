package org.mtcp.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.mtcp.testkit.pg.PrimaryAndStandby;
import org.mtcp.testkit.pg.PrimaryAndStandby.Replication;

/**
 * The driver across a failover of the database (issue 15), on a real Debian PostgreSQL 15 primary
 * with a synchronous streaming standby: one multi-host URL
 * ({@code jdbc:migratory:postgresql://a,b/app?targetServerType=primary}) before and after the
 * primary's crash and the standby's promotion; the front-end that takes over learns the definite
 * outcome of the old primary's transactions from the new one, and its own transactions carry the
 * new timeline. (What the extension answers for a forked timeline: pg-backend-ext's FailoverTest.)
 */
class MigratoryFailoverTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void theTransactionsOfTheOldPrimaryHaveDefiniteOutcomesOnTheNewOneThroughTheSameUrl() throws Exception {
        try (PrimaryAndStandby pair = PrimaryAndStandby.start(Replication.SYNCHRONOUS)) {
            pair.requireExtensionInstalled("mtcp");
            pair.createDatabase("app");
            try (Connection c = pair.primary().connect("app"); Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION mtcp");
                s.execute("CREATE TABLE app_data (key text PRIMARY KEY)");
            }
            String url = pair.multiHostUrl("app").replaceFirst("^jdbc:postgresql:", MigratoryDriver.URL_PREFIX);

            Session acknowledged;
            Session interrupted;
            TxId committed;
            TxId open;
            try (MigratoryConnection fe1 = (MigratoryConnection) DriverManager.getConnection(url);
                    MigratoryConnection fe1b = (MigratoryConnection) DriverManager.getConnection(url)) {
                acknowledged = fe1.openSession();
                interrupted = fe1.openSession();
                try (MtcpTransaction tx = fe1.begin(acknowledged)) {
                    insert(tx.connection(), "acknowledged");
                    committed = tx.id();
                    tx.commit();                        // returns once the standby has it on disk
                }
                MtcpTransaction inFlight = fe1b.begin(interrupted);
                insert(inFlight.connection(), "in-flight");
                open = inFlight.id();
                pair.killPrimary();                     // fe1b's transaction dies with it
            }
            pair.promoteStandby();

            try (MigratoryConnection fe2 = (MigratoryConnection) DriverManager.getConnection(url)) {
                Takeover t = fe2.reconnect(acknowledged.id(), committed, TIMEOUT);
                assertThat(t.outcome()).isEqualTo(Outcome.COMMITTED);
                assertThat(t.session()).isEqualTo(new Session(acknowledged.id(), acknowledged.epoch() + 1));
                assertThat(fe2.reconnect(interrupted.id(), open, TIMEOUT).outcome()).isEqualTo(Outcome.ABORTED);
                try (MtcpTransaction next = fe2.begin(t.session())) {
                    assertThat(next.id().timeline()).as("the new primary's timeline").isEqualTo(committed.timeline() + 1);
                    assertThat(fe2.gettxnID()).contains(next.id());
                    next.commit();
                }
                assertThat(fe2.outcome(committed)).isEqualTo(Outcome.COMMITTED);
                assertThat(FrontEnds.exists(fe2, "acknowledged")).isTrue();
                assertThat(FrontEnds.exists(fe2, "in-flight")).isFalse();
            }
        }
    }

    private static void insert(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO app_data (key) VALUES (?)")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }
}
