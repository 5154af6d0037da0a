package org.mtcp.core.internal.server;

import org.mtcp.core.internal.stream.Lifecycle;

/** The lifecycle of a server (see {@link ServerEngine}). */
enum EnginePhase {
    /** Accepting handshakes and holding connections. */
    RUNNING,
    /** Handshakes are refused ({@code shutdown}) while the clients move away; then CLOSED. */
    DRAINING,
    /** Stopped listening; every connection dropped. */
    CLOSED;

    static Lifecycle<EnginePhase> lifecycle() {
        return Lifecycle.of(EnginePhase.class, RUNNING)
                .from(RUNNING, DRAINING, CLOSED)
                .from(DRAINING, CLOSED)
                .build();
    }
}
