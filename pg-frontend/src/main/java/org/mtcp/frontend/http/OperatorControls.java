package org.mtcp.frontend.http;

import java.io.IOException;
import java.util.List;

/**
 * What an operator can ask of a running front-end, from a signal or an admin endpoint: drain it
 * (every client moves to a peer, then it stops) or reload its pool file. Implemented by the
 * server, bound to the handler once the server has started.
 */
public interface OperatorControls {

    /** Where a front-end is in its life. */
    enum Phase {
        /** Accepting and serving clients. */
        SERVING,
        /** Refusing new clients while the ones it holds move to its peers. */
        DRAINING,
        /** Stopped: nothing held, nothing accepted. */
        STOPPED
    }

    Phase phase();

    /** Starts a drain in the background (no-op when one is under way or the server stopped); returns at once. */
    void startDrain(String why);

    /** The pool file's members now, compared with before: what a reload changed. */
    record PoolChange(List<String> added, List<String> removed, List<String> members) {}

    /**
     * Reads the pool file again and gives the transport the new membership; clients learn it with
     * their next certificate.
     *
     * @throws IOException the file cannot be read
     * @throws IllegalArgumentException the file is invalid, or changes the secret or drops this server
     */
    PoolChange reloadPool() throws IOException;
}
