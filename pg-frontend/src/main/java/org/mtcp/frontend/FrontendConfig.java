package org.mtcp.frontend;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.mtcp.core.tls.TlsFiles;
import org.mtcp.core.transfer.StateTransfer;

/**
 * Everything a front-end needs to run (documented in docs/frontend.md; {@code ./mtcp frontend}
 * fills it from its options).
 *
 * @param poolFile the M-TCP pool file (servers, addresses, secret); null when the M-TCP server is given
 * @param name this front-end's name in the pool
 * @param jdbcUrl the PostgreSQL database (pgjdbc URL)
 * @param dbUser database user, or null (in the URL or the default)
 * @param dbPassword database password, or null
 * @param dbPoolSize HikariCP's maximum pool size
 * @param migrate run the Flyway migrations (frontend schema, application schemas, and mtcp's when
 *     the extension is not installed) at start-up; false: only check they are there
 * @param sqlOperationFiles files of SQL-declared operations to load
 * @param appSchemas application schemas to migrate with Flyway (schema name and location)
 * @param adminToken bearer token of the admin endpoints; null or empty disables them
 * @param reconnectTimeout how long a resuming front-end waits for the old one's transaction to
 *     reach COMMIT before the database aborts it (paper 6.3.2)
 * @param maxBodyBytes largest batch request body
 * @param maxTransactions most transactions in one batch
 * @param idleTimeout idle HTTP connections are closed after this
 * @param drainTimeout how long a drain (SIGTERM, {@code POST /admin/drain}) waits for the clients to
 *     move to peers before it stops anyway
 * @param database how long the front-end waits for its database, and the clients' response-time
 *     threshold that this must stay below (docs/frontend.md, "Database outages")
 * @param stateTransfer how a connection's state reaches the next front-end: lazy (the default), or
 *     replicated so that a batch survives the death of its front-end (docs/protocol.md, section 10)
 * @param links TLS on the M-TCP links (key files, reloaded without restart), plaintext chosen
 *     explicitly, or unspecified (the transport's default); used when the front-end starts its own
 *     M-TCP server from {@code poolFile}
 */
public record FrontendConfig(
        Path poolFile,
        String name,
        String jdbcUrl,
        String dbUser,
        String dbPassword,
        int dbPoolSize,
        boolean migrate,
        List<Path> sqlOperationFiles,
        List<AppSchema> appSchemas,
        String adminToken,
        Duration reconnectTimeout,
        int maxBodyBytes,
        int maxTransactions,
        Duration idleTimeout,
        Duration drainTimeout,
        DatabaseTimeouts database,
        StateTransfer stateTransfer,
        Links links) {

    /**
     * {@code acquire}: the longest wait for a database connection (HikariCP's connection and
     * validation timeouts, {@code --db-timeout}); {@code clientThreshold}: the response-time
     * threshold of the clients' policy ({@code --client-threshold}), or null when not known. A
     * front-end that waits for its database as long as its clients wait for a byte is never heard:
     * the client moves first. So {@code acquire} must be below the threshold.
     *
     * <p>{@code failoverWait} ({@code --db-failover-wait}): once the database became unreachable,
     * how long requests keep waiting for it (a standby's promotion behind a multi-host URL with
     * {@code targetServerType=primary}) before they are answered {@code database_unavailable} at
     * once; zero (the default): at once from the start (docs/frontend.md, "Primary failover").
     */
    public record DatabaseTimeouts(Duration acquire, Duration clientThreshold, Duration failoverWait) {

        /** HikariCP's smallest connection timeout. */
        public static final Duration MIN_ACQUIRE = Duration.ofMillis(250);

        public static final DatabaseTimeouts DEFAULT = new DatabaseTimeouts(Duration.ofMillis(500), null);

        public DatabaseTimeouts {
            Objects.requireNonNull(acquire, "acquire");
            Objects.requireNonNull(failoverWait, "failoverWait");
            if (acquire.compareTo(MIN_ACQUIRE) < 0) {
                throw new IllegalArgumentException("the database timeout must be at least 250ms (HikariCP's minimum), not "
                        + org.mtcp.core.ValueSyntax.format(acquire));
            }
            if (clientThreshold != null && acquire.compareTo(clientThreshold) >= 0) {
                throw new IllegalArgumentException("the database timeout " + org.mtcp.core.ValueSyntax.format(acquire)
                        + " must be below the clients' response-time threshold " + org.mtcp.core.ValueSyntax.format(clientThreshold)
                        + ": a client would move before the front-end could answer 503");
            }
            if (failoverWait.isNegative()) {
                throw new IllegalArgumentException("the failover wait must not be negative");
            }
        }

        /** Without a failover wait: an unreachable database is answered at once. */
        public DatabaseTimeouts(Duration acquire, Duration clientThreshold) {
            this(acquire, clientThreshold, Duration.ZERO);
        }
    }

    /**
     * What the M-TCP links of a front-end that starts its own server run: TLS 1.3 with keys read
     * from files (and watched: docs/frontend.md, "TLS"), plaintext because the operator said so
     * ({@code --plaintext}), or whatever the transport does when told neither (embedding, tests).
     */
    public sealed interface Links {

        /** TLS with these key and trust files. */
        record Tls(TlsFiles files) implements Links {
            public Tls {
                Objects.requireNonNull(files, "files");
                if (!files.hasIdentity()) {
                    throw new IllegalArgumentException("a front-end's TLS needs a key and certificate, not only trust anchors");
                }
            }
        }

        /** Plaintext, chosen explicitly (logged as such at start-up). */
        record Plaintext() implements Links {}

        /** Neither chosen: the transport's default options. */
        record Unspecified() implements Links {}
    }

    /** An application schema migrated by Flyway at start-up, with its own history table. */
    public record AppSchema(String schema, String location) {}

    public FrontendConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(jdbcUrl, "database URL");
        sqlOperationFiles = List.copyOf(sqlOperationFiles);
        appSchemas = List.copyOf(appSchemas);
        if (dbPoolSize < 1) {
            throw new IllegalArgumentException("database pool size must be positive");
        }
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("the drain timeout must not be negative");
        }
        Objects.requireNonNull(database, "database timeouts");
        Objects.requireNonNull(stateTransfer, "state transfer");
        Objects.requireNonNull(links, "links");
        if (maxBodyBytes < 1 || maxTransactions < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public static FrontendConfig defaults(Path poolFile, String name, String jdbcUrl) {
        return new FrontendConfig(poolFile, name, jdbcUrl, null, null, 8, true, List.of(), List.of(), null,
                Duration.ofSeconds(5), 1 << 20, 10_000, Duration.ofSeconds(30), Duration.ofSeconds(10), DatabaseTimeouts.DEFAULT,
                StateTransfer.lazy(), new Links.Unspecified());
    }

    public FrontendConfig withCredentials(String user, String password) {
        return new FrontendConfig(poolFile, name, jdbcUrl, user, password, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, database,
                stateTransfer, links);
    }

    public FrontendConfig withJdbcUrl(String url) {
        return new FrontendConfig(poolFile, name, url, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, database,
                stateTransfer, links);
    }

    public FrontendConfig withAdminToken(String token) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, token, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, database,
                stateTransfer, links);
    }

    public FrontendConfig withReconnectTimeout(Duration timeout) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, timeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, database,
                stateTransfer, links);
    }

    public FrontendConfig withAppSchemas(List<AppSchema> schemas) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                schemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, database,
                stateTransfer, links);
    }

    public FrontendConfig withSqlOperationFiles(List<Path> files) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, files,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, database,
                stateTransfer, links);
    }

    public FrontendConfig withLimits(int maxBodyBytes, int maxTransactions) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, database,
                stateTransfer, links);
    }

    public FrontendConfig withMigrate(boolean run) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, run, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, database,
                stateTransfer, links);
    }

    public FrontendConfig withDbPoolSize(int size) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, size, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, database,
                stateTransfer, links);
    }

    public FrontendConfig withIdleTimeout(Duration timeout) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, timeout, drainTimeout, database,
                stateTransfer, links);
    }

    public FrontendConfig withDrainTimeout(Duration timeout) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, timeout, database,
                stateTransfer, links);
    }

    public FrontendConfig withDatabaseTimeouts(DatabaseTimeouts timeouts) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, timeouts,
                stateTransfer, links);
    }

    public FrontendConfig withStateTransfer(StateTransfer transfer) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, database,
                transfer, links);
    }

    public FrontendConfig withLinks(Links next) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout, database,
                stateTransfer, next);
    }
}
