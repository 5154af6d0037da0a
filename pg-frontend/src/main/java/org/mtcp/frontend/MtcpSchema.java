package org.mtcp.frontend;

import javax.sql.DataSource;
import org.mtcp.sql.MtcpMigrations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database's {@code mtcp} API when the extension is not installed: the sql module's Flyway
 * migration (the extension's script, byte for byte) is applied, as the role the front-end
 * connects with, which then owns the mtcp objects (docs/database.md: it needs
 * {@code pg_signal_backend} for forced aborts).
 */
final class MtcpSchema {

    private static final Logger LOG = LoggerFactory.getLogger(MtcpSchema.class);

    private MtcpSchema() {}

    /** Applies the mtcp migration when {@code run}; returns whether the API is there now. */
    static boolean migrate(DataSource ds, boolean run) {
        if (!run) {
            return false;
        }
        LOG.info("the mtcp extension is not installed: applying the Flyway migrations {}", MtcpMigrations.LOCATION);
        MtcpMigrations.migrate(ds);
        return true;
    }
}
