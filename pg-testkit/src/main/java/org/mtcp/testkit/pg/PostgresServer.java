package org.mtcp.testkit.pg;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/**
 * A running PostgreSQL server that tests may create databases and roles on.
 *
 * <p>Four kinds exist: an embedded one (zonky, started by the test kit), an external one
 * ({@code MTCP_TEST_PG_URL}), a throwaway cluster of an installed PostgreSQL (Debian's 15) and a
 * Testcontainers one; {@link PostgresServers#shared()} picks. Implementations are thread-safe.
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
     * Makes extension {@code name} available to {@code CREATE EXTENSION}: the embedded and the
     * container servers install its files from the class path; the others must have it installed
     * already (and say how when they do not).
     *
     * @throws IllegalStateException with instructions when that is not possible
     */
    void ensureExtensionAvailable(String name);

    /** Whether {@link #ensureExtensionAvailable} installs files itself (embedded, container) rather than only checking. */
    boolean installsExtensionFiles();

    /** A short description for logs and failure messages. */
    String description();
}
