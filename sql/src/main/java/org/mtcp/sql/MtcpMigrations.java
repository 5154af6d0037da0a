package org.mtcp.sql;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * The mtcp schema as Flyway migrations, for PostgreSQL servers where {@code CREATE EXTENSION mtcp}
 * is not possible (managed services that only allow their own list of extensions).
 *
 * <p>The migrations under {@value #LOCATION} are the extension's scripts, copied byte for byte at
 * build time ({@code mtcp--0.1.sql} is {@code V0.1__mtcp.sql}; an upgrade script
 * {@code mtcp--A--B.sql} is {@code VB__mtcp_update.sql}), so both ways of installing create the
 * same objects and Flyway's version equals the extension's. Do not install both in one database.
 *
 * <p>Run them as the role that should own the mtcp objects: the API functions are
 * {@code SECURITY DEFINER} and terminate stalled front-end backends with that role's rights, so it
 * needs {@code pg_signal_backend} (or membership in the front-end roles). Then, for each front-end
 * role: {@code SELECT mtcp.grant_frontend('role')}. See docs/database.md.
 */
public final class MtcpMigrations {

    /** Where the migrations are on the class path. */
    public static final String LOCATION = "classpath:db/mtcp";

    /** The schema the migrations create and Flyway keeps its history in. */
    public static final String SCHEMA = "mtcp";

    /** Flyway's history table for these migrations (in {@link #SCHEMA}, apart from the application's). */
    public static final String HISTORY_TABLE = "flyway_history";

    private MtcpMigrations() {
    }

    /** A Flyway configuration for the mtcp migrations on {@code dataSource}; add settings, then {@code load()}. */
    public static FluentConfiguration configure(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .schemas(SCHEMA)
                .table(HISTORY_TABLE)
                .locations(LOCATION);
    }

    /** Applies the pending mtcp migrations; returns how many ran. */
    public static int migrate(DataSource dataSource) {
        return configure(dataSource).load().migrate().migrationsExecuted;
    }
}
