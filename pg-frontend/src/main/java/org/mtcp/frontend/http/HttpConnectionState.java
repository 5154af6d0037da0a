package org.mtcp.frontend.http;

import org.mtcp.frontend.engine.Snapshot;
import org.mtcp.frontend.engine.SnapshotExporter;

/** What the front-end keeps per connection: requests served so far, its snapshot exporter, a replayed response. */
final class HttpConnectionState {

    final SnapshotExporter exporter;
    volatile long ordinal;
    /** The response to give to the first request (a replayed one), or null. */
    volatile Snapshot.Replay pending;

    HttpConnectionState(SnapshotExporter exporter, long ordinal) {
        this.exporter = exporter;
        this.ordinal = ordinal;
    }

    HttpConnectionState(SnapshotExporter exporter, long ordinal, Snapshot.Replay pending) {
        this(exporter, ordinal);
        this.pending = pending;
    }
}
