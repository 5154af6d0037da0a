package org.mtcp.testkit.pg;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the server every {@link LivePostgres} test of this JVM uses, once.
 *
 * <ol>
 *   <li>{@value #URL_VARIABLE} set (system property first, then environment variable): that
 *       external server;</li>
 *   <li>otherwise: an embedded PostgreSQL 17 (zonky), started on first use.</li>
 * </ol>
 *
 * <p>Testcontainers is deliberately not a choice: the machines this project builds on have no
 * Docker engine, and the embedded server needs nothing but Maven Central. Another provider can be
 * added here; it must never be the only way.
 */
public final class PostgresServers {

    /** Names an external server: a JDBC URL whose role may create databases and roles. */
    public static final String URL_VARIABLE = "MTCP_TEST_PG_URL";

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServers.class);
    private static PostgresServer shared;

    private PostgresServers() {
    }

    /** The server of this JVM, started or connected on first use. */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            String url = System.getProperty(URL_VARIABLE);
            if (url == null || url.isBlank()) {
                url = System.getenv(URL_VARIABLE);
            }
            shared = url == null || url.isBlank() ? EmbeddedPostgresServer.start() : new ExternalPostgresServer(url.trim());
            LOG.info("tests use {}", shared.description());
        }
        return shared;
    }
}
