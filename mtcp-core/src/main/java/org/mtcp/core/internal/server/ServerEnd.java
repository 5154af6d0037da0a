package org.mtcp.core.internal.server;

import java.io.IOException;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.ConnectionResetException;
import org.mtcp.core.MigratedException;
import org.mtcp.core.internal.stream.Lifecycle;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.core.transfer.TransferException;

/**
 * How a server connection ends at this epoch: its {@link ServerPhase}, why it was reset (and the
 * RESET frame owed the client), where it moved, and whether the application closed it (a fact of
 * its own: it closes its end while the connection is live, then the phases go on). Guarded by the
 * connection's lock; the phase is readable without it.
 */
final class ServerEnd {

    private final ConnectionId id;
    private final long epoch;
    private final Lifecycle<ServerPhase> phase = ServerPhase.lifecycle();
    private IOException resetCause;
    private Frame.Reset resetFrame;
    private String movedTo;
    private boolean appClosed;

    ServerEnd(ConnectionId id, long epoch) {
        this.id = id;
        this.epoch = epoch;
    }

    ServerPhase phase() {
        return phase.phase();
    }

    boolean is(ServerPhase p) {
        return phase.is(p);
    }

    /** The connection is still this server's (open, finished or closed by the client). */
    boolean live() {
        return phase.in(ServerPhase.LIVE);
    }

    boolean appClosed() {
        return appClosed;
    }

    void closeByApplication() {
        appClosed = true;
    }

    /** Throws when the connection moved away ({@link MigratedException}) or was reset. */
    void checkUsable() throws IOException {
        switch (phase.phase()) {
            case MOVED -> throw new MigratedException(id, epoch);
            case RESET -> throw copy(resetCause);
            case OPEN, FINISHED, CLIENT_CLOSED -> { }
        }
    }

    /** Throws when the application closed the connection. */
    void checkNotClosed() throws IOException {
        if (appClosed) {
            throw new IOException("connection " + id + " is closed");
        }
    }

    private static IOException copy(IOException cause) {
        if (cause instanceof ConnectionResetException r) {
            return new ConnectionResetException(r.reason(), r.getMessage());
        }
        return new IOException(cause.getMessage(), cause);
    }

    /**
     * Resets a live connection (false otherwise): the application's next call fails with {@code
     * message}; the client is owed a RESET frame when {@code code} is not null.
     */
    boolean reset(ResetCode code, String message) {
        if (!live()) {
            return false;
        }
        phase.moveTo(ServerPhase.RESET);
        resetCause = new ConnectionResetException(code == null ? "reset-by-peer" : code.label(), message);
        resetFrame = code == null ? null : new Frame.Reset(code, message, "");
        return true;
    }

    /** A crash-like stop (the server closing): reset, and no frame owed. */
    void abort(String message) {
        if (live()) {
            phase.moveTo(ServerPhase.RESET);
            resetCause = new ConnectionResetException(ResetCode.SHUTDOWN.label(), message);
            resetFrame = null;
        }
    }

    /** The RESET frame owed the client, or null. */
    Frame.Reset resetFrame() {
        return resetFrame;
    }

    /** Throws why the connection cannot be frozen for a new holder: only an open one can. */
    void checkMovable() throws TransferException {
        switch (phase.phase()) {
            case MOVED -> throw new TransferException(TransferException.Reason.MOVED, "connection " + id
                    + " left epoch " + epoch + " for " + movedTo, movedTo);
            case RESET -> throw new TransferException(TransferException.Reason.REFUSED, "connection "
                    + id + " was reset: " + resetCause.getMessage(), "");
            case CLIENT_CLOSED -> throw new TransferException(TransferException.Reason.REFUSED,
                    "connection " + id + " was closed by its client", "");
            case FINISHED -> throw new TransferException(TransferException.Reason.REFUSED,
                    "connection " + id + " is finished (both streams complete)", "");
            case OPEN -> { }
        }
    }

    /** Frozen for {@code newHolder} (after {@link #checkMovable}). */
    void moved(String newHolder) {
        phase.moveTo(ServerPhase.MOVED);
        movedTo = newHolder;
    }

    /** The client acknowledged our FIN; false when that was no transition. */
    boolean finished() {
        return phase.tryMoveTo(ServerPhase.FINISHED);
    }

    /** The client sent CLOSE. */
    void clientClosed() {
        phase.moveTo(ServerPhase.CLIENT_CLOSED);
    }
}
