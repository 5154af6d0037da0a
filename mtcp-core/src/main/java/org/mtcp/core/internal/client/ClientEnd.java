package org.mtcp.core.internal.client;

import java.io.IOException;
import java.net.SocketException;
import org.mtcp.core.ConnectionResetException;
import org.mtcp.core.internal.stream.Lifecycle;

/**
 * How a client connection ends: its {@link ClientPhase}, whether the application closed its
 * socket (a fact of its own: the application may close in any phase, and a closed socket's calls
 * fail first with "socket is closed"), why it failed and how long a close lingers. Guarded by
 * the connection's lock; the phase is readable without it.
 */
final class ClientEnd {

    private final Lifecycle<ClientPhase> phase = ClientPhase.lifecycle();
    private boolean appClosed;
    /** Why the connection failed (set with {@link ClientPhase#FAILED}). */
    private IOException failure;
    private long lingerDeadline;

    boolean is(ClientPhase p) {
        return phase.is(p);
    }

    /** Over: closed and delivered, closed by the server, or failed. */
    boolean stopped() {
        return phase.in(ClientPhase.STOPPED);
    }

    boolean appClosed() {
        return appClosed;
    }

    /** Throws (a copy of) why the connection failed, if it did. */
    void checkFailure() throws IOException {
        if (failure != null) {
            throw copy(failure);
        }
    }

    /** Throws when the application closed the socket. */
    void checkNotClosed() throws SocketException {
        if (appClosed) {
            throw new SocketException("socket is closed");
        }
    }

    /** Fails the connection for {@code e}; false when it had failed already (the first cause stays). */
    boolean fail(IOException e) {
        if (failure != null) {
            return false;
        }
        failure = e;
        phase.moveTo(ClientPhase.FAILED);
        return true;
    }

    /** The holder sent CLOSE. */
    void peerClosed() {
        phase.tryMoveTo(ClientPhase.PEER_CLOSED);
    }

    /** CLOSE went out after everything was delivered, or the linger gave up. */
    void done() {
        phase.moveTo(ClientPhase.DONE);
    }

    /**
     * The application closed the socket (once; false on a second call). An open connection
     * lingers for {@code lingerNanos} to deliver the rest ({@link #lingering()} says so).
     */
    boolean closeByApplication(long lingerNanos) {
        if (appClosed) {
            return false;
        }
        appClosed = true;
        if (phase.is(ClientPhase.OPEN)) {
            lingerDeadline = System.nanoTime() + lingerNanos;
            phase.moveTo(ClientPhase.LINGERING);
        }
        return true;
    }

    boolean lingering() {
        return phase.is(ClientPhase.LINGERING);
    }

    /** Nanoseconds left of the close linger, or -1 when not lingering. */
    long lingerNanos() {
        return lingering() ? Math.max(0, lingerDeadline - System.nanoTime()) : -1;
    }

    /** The linger is over at {@code now}. */
    boolean lingerExpired(long now) {
        return lingering() && now - lingerDeadline > 0;
    }

    private static IOException copy(IOException e) {
        if (e instanceof ConnectionResetException r) {
            return new ConnectionResetException(r.reason(), r.getMessage());
        }
        if (e instanceof SocketException) {
            return new SocketException(e.getMessage());
        }
        return new IOException(e.getMessage(), e);
    }
}
