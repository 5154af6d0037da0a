package org.mtcp.testkit.pg;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the server every {@link LivePostgres} test of this JVM uses, once; the one place that
 * does. Each setting is read as a system property first, then as an environment variable.
 *
 * <ul>
 *   <li>{@value #SOURCE_VARIABLE}{@code =embedded} (the default): an embedded PostgreSQL 17
 *       (zonky, binaries from Maven Central), started on first use;</li>
 *   <li>{@code external}: the server named by {@value #URL_VARIABLE}, a JDBC URL whose role may
 *       create databases and roles; setting only {@value #URL_VARIABLE} means this;</li>
 *   <li>{@code debian-15}: a throwaway cluster of Debian's PostgreSQL 15
 *       ({@value #DEBIAN_15_BIN}), started and stopped by the test kit; the build's
 *       {@code postgresql-15} profile runs the database modules' tests a second time on it;</li>
 *   <li>{@code testcontainers}: PostgreSQL in Docker ({@code MTCP_TEST_PG_IMAGE}, default
 *       {@value ContainerPostgresServer#DEFAULT_IMAGE}), when a Docker engine is reachable.</li>
 * </ul>
 *
 * <p>Nothing but the embedded server is the default: the machines this project builds on need
 * nothing but Maven Central for it (no Docker engine, no installed PostgreSQL).
 */
public final class PostgresServers {

    /** Names the source: embedded, external, debian-15 or testcontainers. */
    public static final String SOURCE_VARIABLE = "MTCP_TEST_PG";

    /** Names an external server: a JDBC URL whose role may create databases and roles. */
    public static final String URL_VARIABLE = "MTCP_TEST_PG_URL";

    /** The Docker image of the testcontainers source. */
    public static final String IMAGE_VARIABLE = "MTCP_TEST_PG_IMAGE";

    /** Debian's PostgreSQL 15 binaries (package postgresql-15). */
    static final String DEBIAN_15_BIN = "/usr/lib/postgresql/15/bin";

    /** Where test databases come from. */
    public enum Source {
        EMBEDDED("embedded"), EXTERNAL("external"), DEBIAN_15("debian-15"), TESTCONTAINERS("testcontainers");

        private final String id;

        Source(String id) {
            this.id = id;
        }

        /** The value of {@value #SOURCE_VARIABLE} that names it. */
        public String id() {
            return id;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServers.class);
    private static PostgresServer shared;

    private PostgresServers() {
    }

    /** The server of this JVM, started or connected on first use. */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            Source source = choose(PostgresServers::setting, PostgresServers::dockerReachable);
            shared = switch (source) {
                case EMBEDDED -> EmbeddedPostgresServer.start();
                case EXTERNAL -> new ExternalPostgresServer(setting(URL_VARIABLE));
                case DEBIAN_15 -> ClusterPostgresServer.start(Path.of(DEBIAN_15_BIN));
                case TESTCONTAINERS -> ContainerPostgresServer.start(
                        setting(IMAGE_VARIABLE) == null ? ContainerPostgresServer.DEFAULT_IMAGE : setting(IMAGE_VARIABLE));
            };
            LOG.info("tests use {} ({}={})", shared.description(), SOURCE_VARIABLE, source.id());
        }
        return shared;
    }

    /**
     * The source that {@code settings} (a name to its value, or null when unset or blank) ask for.
     * {@code dockerReachable} is asked only when they ask for testcontainers.
     *
     * @throws IllegalArgumentException when {@value #SOURCE_VARIABLE} names no source
     * @throws IllegalStateException    when the source asked for cannot be had: external without
     *                                  {@value #URL_VARIABLE}, testcontainers without a Docker engine
     */
    static Source choose(UnaryOperator<String> settings, BooleanSupplier dockerReachable) {
        String asked = settings.apply(SOURCE_VARIABLE);
        String url = settings.apply(URL_VARIABLE);
        if (asked == null) {
            return url == null ? Source.EMBEDDED : Source.EXTERNAL;
        }
        Source source = Arrays.stream(Source.values())
                .filter(s -> s.id().equals(asked.trim().toLowerCase(Locale.ROOT)))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(SOURCE_VARIABLE + "=" + asked
                        + " names no source of test databases: use one of "
                        + Arrays.stream(Source.values()).map(Source::id).toList()));
        if (source == Source.EXTERNAL && url == null) {
            throw new IllegalStateException(SOURCE_VARIABLE + "=external needs " + URL_VARIABLE
                    + ", a JDBC URL such as jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
        }
        if (source == Source.TESTCONTAINERS && !dockerReachable.getAsBoolean()) {
            throw new IllegalStateException(SOURCE_VARIABLE + "=testcontainers, but no Docker engine is reachable"
                    + " (DOCKER_HOST, /var/run/docker.sock): start one, or use " + SOURCE_VARIABLE
                    + "=embedded (the default), debian-15 or external");
        }
        return source;
    }

    /** Whether Testcontainers finds a Docker engine; says so when Testcontainers itself is missing. */
    private static boolean dockerReachable() {
        try {
            return ContainerPostgresServer.dockerReachable();
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException(SOURCE_VARIABLE + "=testcontainers, but Testcontainers is not on this class"
                    + " path (mtcp.jar leaves it out): run the tests through Maven, where pg-testkit brings it", e);
        }
    }

    /** A setting: the system property, else the environment variable; null when unset or blank. */
    private static String setting(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            value = System.getenv(name);
        }
        return value == null || value.isBlank() ? null : value.trim();
    }
}
