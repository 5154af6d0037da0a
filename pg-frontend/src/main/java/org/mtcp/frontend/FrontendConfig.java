package org.mtcp.frontend;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

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
        Duration drainTimeout) {

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
        if (maxBodyBytes < 1 || maxTransactions < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public static FrontendConfig defaults(Path poolFile, String name, String jdbcUrl) {
        return new FrontendConfig(poolFile, name, jdbcUrl, null, null, 8, true, List.of(), List.of(), null,
                Duration.ofSeconds(5), 1 << 20, 10_000, Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    public FrontendConfig withCredentials(String user, String password) {
        return new FrontendConfig(poolFile, name, jdbcUrl, user, password, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout);
    }

    public FrontendConfig withJdbcUrl(String url) {
        return new FrontendConfig(poolFile, name, url, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout);
    }

    public FrontendConfig withAdminToken(String token) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, token, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout);
    }

    public FrontendConfig withReconnectTimeout(Duration timeout) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, timeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout);
    }

    public FrontendConfig withAppSchemas(List<AppSchema> schemas) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                schemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout);
    }

    public FrontendConfig withSqlOperationFiles(List<Path> files) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, files,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout);
    }

    public FrontendConfig withLimits(int maxBodyBytes, int maxTransactions) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout);
    }

    public FrontendConfig withMigrate(boolean run) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, run, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout);
    }

    public FrontendConfig withDbPoolSize(int size) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, size, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, drainTimeout);
    }

    public FrontendConfig withIdleTimeout(Duration timeout) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, timeout, drainTimeout);
    }

    public FrontendConfig withDrainTimeout(Duration timeout) {
        return new FrontendConfig(poolFile, name, jdbcUrl, dbUser, dbPassword, dbPoolSize, migrate, sqlOperationFiles,
                appSchemas, adminToken, reconnectTimeout, maxBodyBytes, maxTransactions, idleTimeout, timeout);
    }
}
