package org.mtcp.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.testkit.pg.TestRole;

@LivePostgres(extensions = "mtcp")
final class MigratoryDriverTest {

    private static TestRole fe;

    @BeforeAll
    static void frontEndRole(TestDatabase db) throws SQLException {
        fe = db.createRole("fe");
        FrontEnds.grant(db, fe);
    }

    private static String migratoryUrl(TestDatabase db) {
        return db.jdbcUrl().replaceFirst("^jdbc:postgresql:", "jdbc:migratory:postgresql:");
    }

    @Test
    void theUrlSelectsTheDriverAndItsConnectionsAreMigratory(TestDatabase db) throws SQLException {
        assertThat(DriverManager.getDriver("jdbc:migratory:postgresql://localhost/x")).isInstanceOf(MigratoryDriver.class);
        assertThat(new MigratoryDriver().acceptsURL(db.jdbcUrl())).as("plain pgjdbc URLs are pgjdbc's").isFalse();
        assertThat(new MigratoryDriver().connect(db.jdbcUrl(), fe.properties())).isNull();
        try (Connection c = DriverManager.getConnection(migratoryUrl(db), fe.properties())) {
            assertThat(c).isInstanceOf(MigratoryConnection.class);
            assertThat(c.isWrapperFor(org.postgresql.PGConnection.class)).isTrue();
            assertThat(MigratoryConnection.of(c)).isSameAs(c);
            Session s = ((MigratoryConnection) c).openSession();
            assertThat(s.epoch()).isZero();
        }
    }

    @Test
    void aDatabaseWithoutMtcpIsRefusedWithInstructions(TestDatabase db) throws SQLException {
        try (TestDatabase bare = TestDatabase.create(db.server(), "bare", List.of())) {
            String url = bare.jdbcUrl().replaceFirst("^jdbc:postgresql:", "jdbc:migratory:postgresql:");
            assertThatThrownBy(() -> DriverManager.getConnection(url, bare.adminProperties()).close())
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("CREATE EXTENSION mtcp")
                    .hasMessageContaining("docs/database.md");
            try (Connection c = DriverManager.getConnection(url + "?mtcpVerify=false", bare.adminProperties())) {
                assertThat(c).isInstanceOf(MigratoryConnection.class);
            }
            Properties p = bare.adminProperties();
            p.setProperty(MigratoryDriver.VERIFY_PROPERTY, "perhaps");
            assertThatThrownBy(() -> DriverManager.getConnection(url, p).close())
                    .isInstanceOf(SQLException.class).hasMessageContaining("must be true or false");
        }
    }

    /** mtcp 0.1 has no timelines in its transaction ids: the driver asks for the update. */
    @Test
    void aDatabaseWithMtcp01IsRefusedWithTheUpdateToRun(TestDatabase db) throws SQLException {
        try (TestDatabase old = TestDatabase.create(db.server(), "old", List.of())) {
            old.execute("CREATE EXTENSION mtcp VERSION '0.1'");
            String url = old.jdbcUrl().replaceFirst("^jdbc:postgresql:", "jdbc:migratory:postgresql:");
            assertThatThrownBy(() -> DriverManager.getConnection(url, old.adminProperties()).close())
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("version 0.1, this driver needs 0.2")
                    .hasMessageContaining("ALTER EXTENSION mtcp UPDATE");
            old.execute("ALTER EXTENSION mtcp UPDATE");
            try (Connection c = DriverManager.getConnection(url, old.adminProperties())) {
                MigratoryConnection m = MigratoryConnection.of(c);
                try (MtcpTransaction tx = m.begin(m.openSession())) {
                    assertThat(tx.id().isQualified()).isTrue();
                    tx.commit();
                }
            }
        }
    }

    @Test
    void aRoleWithoutTheGrantsIsToldWhichOnes(TestDatabase db) throws SQLException {
        TestRole stranger = db.createRole("stranger");
        assertThatThrownBy(() -> DriverManager.getConnection(migratoryUrl(db), stranger.properties()).close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("grant_frontend")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
    }

    @Test
    void thePropertyIsDescribed() throws SQLException {
        assertThat(new MigratoryDriver().getPropertyInfo("jdbc:migratory:postgresql://localhost/x", new Properties()))
                .anySatisfy(p -> assertThat(p.name).isEqualTo(MigratoryDriver.VERIFY_PROPERTY))
                .anySatisfy(p -> assertThat(p.name).isEqualTo("user"));
    }
}
