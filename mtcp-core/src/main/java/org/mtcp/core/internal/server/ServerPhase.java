package org.mtcp.core.internal.server;

import java.util.EnumSet;
import java.util.Set;
import org.mtcp.core.internal.stream.Lifecycle;

/** The lifecycle of a server connection at one epoch (see {@link ServerConnection}). */
enum ServerPhase {
    /** Both streams may carry bytes. */
    OPEN,
    /** The client acknowledged our FIN: CLOSE goes out, the connection ends when the client closes. */
    FINISHED,
    /** The client sent CLOSE. */
    CLIENT_CLOSED,
    /** Frozen for its new holder: every application call fails with MigratedException. */
    MOVED,
    /** Reset (by either side, a protocol error, a timeout, the server's end). */
    RESET;

    /** The phases in which the connection is still this server's (the former "OPEN" state). */
    static final Set<ServerPhase> LIVE = EnumSet.of(OPEN, FINISHED, CLIENT_CLOSED);

    static Lifecycle<ServerPhase> lifecycle() {
        return Lifecycle.of(ServerPhase.class, OPEN)
                .from(OPEN, FINISHED, CLIENT_CLOSED, MOVED, RESET)
                .from(FINISHED, CLIENT_CLOSED, RESET)
                .from(CLIENT_CLOSED, RESET)
                .build();
    }
}
