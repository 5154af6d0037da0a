package org.mtcp.frontend.http;

import org.mtcp.frontend.engine.SnapshotExporter;

/** What the front-end keeps per connection: requests served so far, and its snapshot exporter. */
final class ConnectionState {

    final SnapshotExporter exporter;
    volatile long ordinal;

    ConnectionState(SnapshotExporter exporter, long ordinal) {
        this.exporter = exporter;
        this.ordinal = ordinal;
    }
}
