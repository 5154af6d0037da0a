package org.mtcp.testkit.pg;

import java.util.Properties;

/**
 * A server the test kit started (a cluster, a container) and then reaches like any server with a
 * JDBC URL: connections go through that {@link ExternalPostgresServer}; subclasses say how
 * extensions get there and what the server is.
 */
abstract class DelegatingPostgresServer implements PostgresServer {

    /** The running server, seen through its URL. */
    final PostgresServer server;

    DelegatingPostgresServer(PostgresServer server) {
        this.server = server;
    }

    @Override
    public final String jdbcUrl(String database) {
        return server.jdbcUrl(database);
    }

    @Override
    public final Properties adminProperties() {
        return server.adminProperties();
    }

    @Override
    public final String maintenanceDatabase() {
        return server.maintenanceDatabase();
    }

    @Override
    public final int majorVersion() {
        return server.majorVersion();
    }
}
