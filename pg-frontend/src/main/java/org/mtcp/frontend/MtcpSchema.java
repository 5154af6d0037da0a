package org.mtcp.frontend;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database's {@code mtcp} API when the extension can't be installed: the sql module ships the
 * same objects as a Flyway migration; if its jar is on the class path, it is applied here.
 */
final class MtcpSchema {

    private static final Logger LOG = LoggerFactory.getLogger(MtcpSchema.class);
    static final String LOCATION = "db/mtcp";

    private MtcpSchema() {}

    /** True if the migration was found (and run, when {@code run}). */
    static boolean migrate(DataSource ds, boolean run) {
        if (Thread.currentThread().getContextClassLoader().getResource(LOCATION) == null
                && MtcpSchema.class.getClassLoader().getResource(LOCATION) == null) {
            return false;
        }
        if (!run) {
            return false;
        }
        LOG.info("the mtcp extension is not installed: applying the Flyway migration from classpath:{}", LOCATION);
        Flyway.configure().dataSource(ds).schemas("mtcp").table("flyway_history")
                .locations("classpath:" + LOCATION).load().migrate();
        return true;
    }
}
