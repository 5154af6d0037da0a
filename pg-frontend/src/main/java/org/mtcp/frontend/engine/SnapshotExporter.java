package org.mtcp.frontend.engine;

import java.io.IOException;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.frontend.metrics.Metrics;

/** Exports {@link Snapshot}s on one connection and remembers the last one. */
public final class SnapshotExporter {

    private final MtcpServerConnection connection;
    private final Metrics metrics;
    private volatile Snapshot last;

    public SnapshotExporter(MtcpServerConnection connection, Metrics metrics) {
        this.connection = connection;
        this.metrics = metrics;
    }

    /** Throws {@link org.mtcp.core.MigratedException} once the connection has moved away. */
    public void export(Snapshot snapshot) throws IOException {
        connection.exportState(Snapshot.encode(snapshot));
        last = snapshot;
        metrics.snapshotExported();
    }

    public Snapshot last() {
        return last;
    }

    public MtcpServerConnection connection() {
        return connection;
    }
}
