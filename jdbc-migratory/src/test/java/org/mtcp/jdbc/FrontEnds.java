package org.mtcp.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.testkit.pg.TestRole;

/** Test helpers: front-end roles, migratory connections, the application's data. */
final class FrontEnds {

    private FrontEnds() {
    }

    /** What docs/database.md tells a DBA to run for each front-end role. */
    static void grant(TestDatabase db, TestRole role) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT mtcp.grant_frontend(?)")) {
            ps.setString(1, role.name());
            ps.execute();
        }
    }

    static String migratoryUrl(TestDatabase db) {
        return db.jdbcUrl().replaceFirst("^jdbc:postgresql:", MigratoryDriver.URL_PREFIX);
    }

    static MigratoryConnection connect(TestDatabase db, TestRole role) throws SQLException {
        return (MigratoryConnection) DriverManager.getConnection(migratoryUrl(db), role.properties());
    }

    static void insert(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO app_data (key) VALUES (?)")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    static boolean exists(Connection observer, String key) throws SQLException {
        try (PreparedStatement ps = observer.prepareStatement("SELECT 1 FROM app_data WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    static boolean exists(TestDatabase db, String key) throws SQLException {
        try (Connection c = db.connect()) {
            return exists(c, key);
        }
    }

    /** The application's table, writable by the given front-end roles. */
    static void createAppData(TestDatabase db, TestRole... roles) throws SQLException {
        db.execute("CREATE TABLE app_data (key text PRIMARY KEY, n integer NOT NULL DEFAULT 0)");
        for (TestRole role : roles) {
            db.execute("GRANT SELECT, INSERT, UPDATE ON app_data TO " + TestDatabase.quoteIdentifier(role.name()));
        }
    }
}
