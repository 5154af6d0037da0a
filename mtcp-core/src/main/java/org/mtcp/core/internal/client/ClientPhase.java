package org.mtcp.core.internal.client;

import java.util.EnumSet;
import java.util.Set;
import org.mtcp.core.internal.stream.Lifecycle;

/** The lifecycle of a client connection (see {@link ClientConnection}). */
enum ClientPhase {
    /** Both streams may carry bytes. */
    OPEN,
    /** The application closed: the rest is delivered in the background, then CLOSE. */
    LINGERING,
    /** The holder sent CLOSE: what was received can still be read. */
    PEER_CLOSED,
    /** Over: CLOSE sent after everything was delivered, or the linger gave up. */
    DONE,
    /** Failed (a RESET, a failover that found no server): the application's calls throw. */
    FAILED;

    /** The phases in which the connection has stopped ("stopped" before the phases). */
    static final Set<ClientPhase> STOPPED = EnumSet.of(PEER_CLOSED, DONE, FAILED);

    static Lifecycle<ClientPhase> lifecycle() {
        return Lifecycle.of(ClientPhase.class, OPEN)
                .from(OPEN, LINGERING, PEER_CLOSED, FAILED)
                .from(LINGERING, DONE, PEER_CLOSED, FAILED)
                // a failover decided before the CLOSE or the end arrived may still fail it
                .from(PEER_CLOSED, FAILED)
                .from(DONE, FAILED)
                .build();
    }
}
