package org.mtcp.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mtcp.jdbc.FrontEnds.exists;
import static org.mtcp.jdbc.FrontEnds.insert;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.testkit.pg.TestRole;

/** Front-ends that take their connections from HikariCP pools on {@code jdbc:migratory:postgresql:}. */
@LivePostgres(extensions = "mtcp")
final class HikariPoolTest {

    private static TestRole fe1Role;
    private static TestRole fe2Role;

    @BeforeAll
    static void roles(TestDatabase db) throws SQLException {
        fe1Role = db.createRole("fe1");
        fe2Role = db.createRole("fe2");
        FrontEnds.grant(db, fe1Role);
        FrontEnds.grant(db, fe2Role);
        FrontEnds.createAppData(db, fe1Role, fe2Role);
    }

    private static HikariDataSource pool(TestDatabase db, TestRole role, boolean autoCommit) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(FrontEnds.migratoryUrl(db));
        config.setUsername(role.name());
        config.setPassword(role.password());
        config.setMaximumPoolSize(3);
        config.setMinimumIdle(1);
        config.setAutoCommit(autoCommit);
        config.setConnectionTimeout(Duration.ofSeconds(30).toMillis());
        config.setPoolName("pool-" + role.name());
        return new HikariDataSource(config);
    }

    @Test
    void aPooledFrontEndIsTakenOverAndThePoolRecovers(TestDatabase db) throws Exception {
        try (HikariDataSource pool1 = pool(db, fe1Role, true); HikariDataSource pool2 = pool(db, fe2Role, true)) {
            Session s;
            try (Connection c = pool1.getConnection()) {
                s = MigratoryConnection.of(c).openSession();
            }
            TxId last = null;
            for (int i = 0; i < 10; i++) {
                try (Connection pooled = pool1.getConnection(); MtcpTransaction tx = MigratoryConnection.of(pooled).begin(s)) {
                    insert(tx.connection(), "pool-" + i);
                    last = tx.id();
                    tx.commit();
                }
            }
            Connection stalledPooled = pool1.getConnection();
            MtcpTransaction stalled = MigratoryConnection.of(stalledPooled).begin(s);
            insert(stalled.connection(), "pool-stalled");

            Takeover t;
            try (Connection c = pool2.getConnection()) {
                t = MigratoryConnection.of(c).reconnect(s.id(), last, Duration.ofSeconds(60));
            }
            assertThat(t.outcome()).isEqualTo(Outcome.COMMITTED);
            assertThatThrownBy(stalled::commit).isInstanceOf(SQLException.class);
            stalledPooled.close();           // HikariCP sees the dead connection and evicts it

            try (Connection again = pool1.getConnection()) {
                assertThat(again.isValid(5)).isTrue();
                MigratoryConnection fe1 = MigratoryConnection.of(again);
                assertThatThrownBy(() -> fe1.begin(s)).isInstanceOf(FencedException.class);
                assertThat(again.getAutoCommit()).isTrue();
            }
            try (Connection c = pool2.getConnection(); MtcpTransaction tx = MigratoryConnection.of(c).begin(t.session())) {
                insert(tx.connection(), "pool-fe2");
                tx.commit();
            }
            assertThat(exists(db, "pool-9")).isTrue();
            assertThat(exists(db, "pool-stalled")).isFalse();
            assertThat(exists(db, "pool-fe2")).isTrue();
        }
    }

    @Test
    void unwrapReachesTheDriversConnection(TestDatabase db) throws SQLException {
        try (HikariDataSource pool = pool(db, fe1Role, true); Connection c = pool.getConnection()) {
            assertThat(c.isWrapperFor(MigratoryConnection.class)).isTrue();
            assertThat(c.unwrap(MigratoryConnection.class).openSession().epoch()).isZero();
            assertThat(MigratoryConnection.of(c)).isNotSameAs(c.unwrap(MigratoryConnection.class));
        }
    }

    @Test
    void aPoolWithoutAutoCommitCanTakeOverToo(TestDatabase db) throws SQLException {
        try (HikariDataSource pool = pool(db, fe2Role, false); Connection c = pool.getConnection()) {
            MigratoryConnection fe = MigratoryConnection.of(c);
            Session s = fe.openSession();
            c.commit();
            try (MtcpTransaction tx = fe.begin(s)) {
                tx.commit();
                Takeover t = fe.reconnect(s.id(), tx.id(), Duration.ZERO);
                assertThat(t.outcome()).isEqualTo(Outcome.COMMITTED);
                assertThat(t.session().epoch()).isEqualTo(1);
            }
        }
    }
}
