package org.mtcp.frontend.http;

import java.io.IOException;
import java.time.Duration;
import org.mtcp.core.MigratedException;
import org.mtcp.frontend.engine.DatabaseUnavailableException;
import org.mtcp.frontend.engine.SnapshotExporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the front-end that first serves a batch response does when its database breaks in the
 * middle: it can't go on, and it can't say "done" either. It asks the client to move the
 * connection to another front-end (server-initiated migration), which resumes from the last
 * snapshot, and waits for the move, up to a limit. A front-end that resumed a response does not
 * ask again (at most one move per response for a database failure, so an outage of the shared
 * database causes no migration storm): it ends the response with the batch's error line and
 * summary ({@code BatchEngine.endUnavailable}), as this one does when the client could not move.
 */
public final class DatabaseLoss {

    /** Whether the client left for another front-end. */
    public enum Outcome { MOVED, STAYED }

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseLoss.class);

    private final String frontend;
    private final Duration wait;

    public DatabaseLoss(String frontend, Duration wait) {
        this.frontend = frontend;
        this.wait = wait;
    }

    public Outcome handle(SnapshotExporter exporter, DatabaseUnavailableException e) {
        LOG.error("{}: database unavailable in the middle of a batch response: {}; asking the client to move",
                frontend, e.getMessage());
        try {
            exporter.connection().requestMigration(null);
        } catch (MigratedException moved) {
            return Outcome.MOVED;
        } catch (IOException | RuntimeException x) {
            LOG.warn("{}: could not ask the client to move: {}", frontend, x.toString());
            return Outcome.STAYED;
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
            return Outcome.MOVED;
        } catch (IOException | InterruptedException x) {
            if (x instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // reset or closed: the answer below fails in turn and the connection is dropped
        }
        LOG.warn("{}: the client did not move within {} ms; ending the response with the database error", frontend,
                wait.toMillis());
        return Outcome.STAYED;
    }
}
