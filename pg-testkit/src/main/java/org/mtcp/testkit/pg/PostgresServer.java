package org.mtcp.testkit.pg;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/**
 * A running PostgreSQL server that tests may create databases and roles on.
 *
 * <p>Two kinds exist: an embedded one (zonky, started by the test kit) and an external one
 * ({@code MTCP_TEST_PG_URL}); {@link PostgresServers#shared()} picks. Implementations are
 * thread-safe.
 */
public interface PostgresServer {

    /** A JDBC URL for {@code database} on this server, without credentials. */
    String jdbcUrl(String database);

    /** Credentials (and other connection properties) of the administrative role. */
    Properties adminProperties();

    /** The database the administrative role connects to when it needs one (usually {@code postgres}). */
    String maintenanceDatabase();

    /** A new connection to {@code database} as the administrative role. */
    default Connection connectAdmin(String database) throws SQLException {
        return java.sql.DriverManager.getConnection(jdbcUrl(database), adminProperties());
    }

    /** The server's major version, e.g. 17. */
    int majorVersion();

    /**
     * Makes extension {@code name} available to {@code CREATE EXTENSION}: the embedded server
     * installs its files from the class path; an external one must have it installed already.
     *
     * @throws IllegalStateException with instructions when that is not possible
     */
    void ensureExtensionAvailable(String name);

    /** Whether {@link #ensureExtensionAvailable} installs files itself (embedded) rather than only checking. */
    boolean installsExtensionFiles();

    /** A short description for logs and failure messages. */
    String description();
}
