package org.mtcp.frontend.http;

import java.io.IOException;
import java.time.Duration;
import org.mtcp.core.MigratedException;
import org.mtcp.frontend.engine.DatabaseUnavailableException;
import org.mtcp.frontend.engine.SnapshotExporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a front-end does when its database breaks in the middle of a batch response: it can't
 * go on, and it can't say "done" either. It asks the client to move the connection to another
 * front-end (server-initiated migration), which resumes from the last snapshot; it waits for the
 * move, up to a limit, and then drops the connection (the client sees the response cut short).
 */
public final class DatabaseLoss {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseLoss.class);

    private final String frontend;
    private final Duration wait;

    public DatabaseLoss(String frontend, Duration wait) {
        this.frontend = frontend;
        this.wait = wait;
    }

    public void handle(SnapshotExporter exporter, DatabaseUnavailableException e) {
        LOG.error("{}: database unavailable in the middle of a batch response: {}; asking the client to move",
                frontend, e.getMessage());
        try {
            exporter.connection().requestMigration(null);
        } catch (MigratedException moved) {
            return;
        } catch (IOException | RuntimeException x) {
            LOG.warn("{}: could not ask the client to move: {}", frontend, x.toString());
            return;
        }
        // Nothing may be written or exported any more (the last snapshot must stay what the next
        // front-end resumes from); an empty flush only asks whether the connection is still here.
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            var out = exporter.connection().getOutputStream();
            while (System.nanoTime() < deadline) {
                out.flush();
                Thread.sleep(20);
            }
        } catch (MigratedException moved) {
            LOG.info("{}: the connection moved to another front-end", frontend);
            return;
        } catch (IOException | InterruptedException x) {
            if (x instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.warn("{}: dropping the connection after the database failure", frontend);
    }
}
