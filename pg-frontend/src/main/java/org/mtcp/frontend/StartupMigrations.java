package org.mtcp.frontend;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.mtcp.frontend.FrontendServer.StartupException;
import org.mtcp.jdbc.MtcpApiVersion;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a front-end does to the database before it serves: checks the mtcp API (or applies the sql
 * module's migration of it), then migrates (or, with {@code --no-migrate}, validates) its own
 * schema {@code frontend} and each application schema with Flyway.
 *
 * <p>On connections of its own, not the front-end's pool: Flyway takes two connections at once,
 * which a pool of one ({@code --db-pool-size 1}) cannot give. And one front-end at a time: the
 * whole step runs under a PostgreSQL advisory lock held by a session of its own, because
 * front-ends started at once on an empty database (a fresh deployment) would otherwise run
 * Flyway side by side, and Flyway takes its own lock only after it has created schemas and its
 * history table, where two creators race.
 */
final class StartupMigrations {

    private static final Logger LOG = LoggerFactory.getLogger(StartupMigrations.class);

    /** The advisory lock's key: ours alone (the mtcp extension's keys are two-part, 1297367888/9). */
    static final long LOCK_KEY = 0x6d7463705f6d6967L;   // "mtcp_mig"

    /** How long a front-end waits for another's start-up migration before it gives up. */
    static final Duration LOCK_WAIT = Duration.ofSeconds(60);

    private StartupMigrations() {}

    static void run(FrontendConfig config) throws StartupException {
        DataSource ds = dataSource(config);
        try (Connection lock = lock(ds, config)) {
            checkMtcpApi(ds, config);
            migrateSchemas(ds, config);
        } catch (SQLException e) {
            // closing the lock's session releases the lock; nothing else to undo
            LOG.warn("closing the migration lock's connection: {}", e.getMessage());
        }
    }

    /** Plain connections to the front-end's database, as its role, named for pg_stat_activity. */
    private static DataSource dataSource(FrontendConfig config) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(config.jdbcUrl());
        if (config.dbUser() != null) {
            ds.setUser(config.dbUser());
        }
        if (config.dbPassword() != null) {
            ds.setPassword(config.dbPassword());
        }
        ds.setApplicationName("mtcp-frontend-" + config.name() + "-migrations");
        // pgjdbc's connect timeout is in whole seconds
        ds.setConnectTimeout((int) Math.max(1, (config.database().acquire().toMillis() + 999) / 1000));
        return ds;
    }

    /** A session holding the advisory lock; waits at most {@link #LOCK_WAIT} for another front-end. */
    private static Connection lock(DataSource ds, FrontendConfig config) throws StartupException {
        Connection c;
        try {
            c = ds.getConnection();
        } catch (SQLException e) {
            throw new StartupException("cannot connect to the database " + FrontendServer.redact(config.jdbcUrl()) + ": "
                    + firstLine(e), e);
        }
        try (var st = c.createStatement()) {
            st.execute("SET lock_timeout = '" + LOCK_WAIT.toMillis() + "ms'");
            st.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
            return c;
        } catch (SQLException e) {
            try {
                c.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            String why = "55P03".equals(e.getSQLState())
                    ? "another front-end has held the start-up migration lock for " + LOCK_WAIT.toSeconds()
                            + " s (a migration still running, or a stuck session holding pg_advisory_lock(" + LOCK_KEY + "))"
                    : firstLine(e);
            throw new StartupException("cannot take the start-up migration lock: " + why, e);
        }
    }

    private static void checkMtcpApi(DataSource ds, FrontendConfig config) throws StartupException {
        String version;
        boolean extension;
        try (Connection c = ds.getConnection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT mtcp.api_version(), EXISTS (SELECT FROM pg_extension WHERE extname = 'mtcp')")) {
            rs.next();
            version = rs.getString(1);
            extension = rs.getBoolean(2);
        } catch (SQLException e) {
            if (!MtcpSchema.migrate(ds, config.migrate())) {
                throw new StartupException("the database has no mtcp API (" + firstLine(e)
                        + "): install the extension (CREATE EXTENSION mtcp) or run the sql module's Flyway migration", e);
            }
            return;
        }
        if (MtcpApiVersion.isSupported(version)) {
            LOG.info("database has the mtcp API {}", version);
            return;
        }
        // An older API (0.1: transaction ids without their timeline). The Flyway migration's owner
        // is this role, which applies the update; the extension is a DBA's to update.
        if (!extension && MtcpSchema.migrate(ds, config.migrate())) {
            LOG.info("updated the database's mtcp API from {} by the Flyway migration", version);
            return;
        }
        throw new StartupException("the database's mtcp API is version " + version + ", this front-end needs "
                + MtcpApiVersion.REQUIRED + " or later (transaction ids that survive a failover): "
                + (extension ? "ALTER EXTENSION mtcp UPDATE (as a superuser)"
                        : "apply the sql module's migration V" + MtcpApiVersion.REQUIRED + " (start a front-end without --no-migrate)")
                + "; see docs/database.md", null);
    }

    private static void migrateSchemas(DataSource ds, FrontendConfig config) throws StartupException {
        try {
            List<Flyway> all = new ArrayList<>();
            all.add(Flyway.configure().dataSource(ds).schemas("frontend").table("flyway_history")
                    .locations("classpath:db/frontend").load());
            for (var app : config.appSchemas()) {
                all.add(Flyway.configure().dataSource(ds).schemas(app.schema()).table("flyway_history")
                        .locations(app.location()).load());
            }
            for (Flyway flyway : all) {
                if (config.migrate()) {
                    flyway.migrate();
                } else {
                    flyway.validate();
                }
            }
        } catch (RuntimeException e) {
            throw new StartupException("database migration failed: " + e.getMessage(), e);
        }
    }

    private static String firstLine(SQLException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
    }
}
