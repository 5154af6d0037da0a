package org.mtcp.testkit.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@LivePostgres
final class LivePostgresTest {

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void aFreshDatabaseOfItsOwn(TestDatabase db) throws SQLException {
        try (Connection c = db.connect()) {
            assertThat(query(c, "SELECT current_database()")).isEqualTo(db.name());
            assertThat(query(c, "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'")).isEqualTo("0");
            assertThat(Integer.parseInt(query(c, "SELECT current_setting('server_version_num')")) / 10000)
                    .isEqualTo(db.server().majorVersion())
                    .isGreaterThanOrEqualTo(13);
        }
    }

    @Test
    void rolesAreOrdinaryLoginRoles(TestDatabase db) throws SQLException {
        TestRole role = db.createRole("plain");
        try (Connection c = db.connect(role)) {
            assertThat(query(c, "SELECT current_user")).isEqualTo(role.name());
            assertThat(query(c, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user")).isEqualTo("false");
        }
        try (Connection c = db.dataSource(role).getConnection()) {
            assertThat(query(c, "SELECT current_user")).isEqualTo(role.name());
        }
        assertThatThrownBy(() -> db.createRole("Bad-Name")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> db.createRole("x", "SUPERUSER; DROP")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void extensionsComeFromTheClassPath(TestDatabase db) throws SQLException {
        assumeTrue(db.server().installsExtensionFiles(), "an external server has its extensions installed by its DBA");
        db.server().ensureExtensionAvailable("mtcp_testkit_probe");
        db.execute("CREATE EXTENSION mtcp_testkit_probe");
        try (Connection c = db.connect()) {
            assertThat(query(c, "SELECT mtcp_testkit_probe()")).isEqualTo("42");
        }
        assertThatThrownBy(() -> db.server().ensureExtensionAvailable("no_such_extension"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not on the class path");
    }

    @Test
    void anExternalServerIsNamedByAJdbcUrl(TestDatabase db) throws SQLException {
        PostgresServer server = db.server();
        String base = server.jdbcUrl(server.maintenanceDatabase());
        String separator = base.contains("?") ? "&" : "?";
        String password = db.adminProperties().getProperty("password");
        String url = base + separator + "user=" + db.adminProperties().getProperty("user")
                + (password == null ? "" : "&password=" + password) + "&ApplicationName=probe";

        PostgresServer external = new ExternalPostgresServer(url);
        assertThat(external.jdbcUrl("other"))
                .as("credentials move to the properties; other parameters stay on every URL")
                .isEqualTo(server.jdbcUrl("other") + separator + "ApplicationName=probe");
        assertThat(external.adminProperties().getProperty("user")).isEqualTo(db.adminProperties().getProperty("user"));
        assertThat(external.majorVersion()).isEqualTo(server.majorVersion());
        assertThat(external.installsExtensionFiles()).isFalse();
        try (Connection c = external.connectAdmin(db.name())) {
            assertThat(query(c, "SELECT current_setting('application_name')")).isEqualTo("probe");
        }
        assertThatThrownBy(() -> external.ensureExtensionAvailable("no_such_extension"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("make -C pg-backend-ext install");
        assertThatThrownBy(() -> new ExternalPostgresServer("postgres://localhost/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jdbc:postgresql://");
    }

    @Test
    void backendsTellWhoWaitsForALock(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE lockme (id int PRIMARY KEY)", "INSERT INTO lockme VALUES (1)");
        try (Connection observer = db.connect(); Connection holder = db.connect()) {
            Connection waiter = db.connect();
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("SELECT * FROM lockme FOR UPDATE");
            }
            int waiterPid = Backends.pid(waiter);
            assertThat(Backends.isWaitingForLock(observer, waiterPid)).isFalse();
            Thread t = Thread.ofVirtual().start(() -> {
                try (Statement s = waiter.createStatement()) {
                    s.execute("SELECT * FROM lockme FOR UPDATE");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Backends.awaitWaitingForLock(observer, waiterPid, Duration.ofSeconds(10));
            holder.rollback();
            t.join();
            assertThat(Backends.isWaitingForLock(observer, waiterPid)).isFalse();
            waiter.close();
            Backends.awaitGone(observer, waiterPid, Duration.ofSeconds(10));
        }
    }

    @Nested
    final class Nested1 {
        @Test
        void nestedClassesShareTheDatabase(TestDatabase db) throws SQLException {
            try (Connection c = db.connect()) {
                assertThat(query(c, "SELECT current_database()")).isEqualTo(db.name());
            }
        }
    }
}
