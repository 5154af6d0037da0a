package org.mtcp.core.internal.server;

import java.io.InterruptedIOException;
import java.util.concurrent.locks.Condition;
import org.mtcp.core.ClientPresence;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.cert.Hmac;
import org.mtcp.core.internal.stream.Guard;
import org.mtcp.core.internal.stream.Outbound;
import org.mtcp.core.internal.stream.SendCursor;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.ProtocolException;

/**
 * Where a server connection's client attaches: the link up now (none: the connection is an
 * orphan waiting for its client), whether the client spoke on it since it attached, and the
 * certificate MAC that admitted the connection here (a client that lost the WELCOME may present
 * it again: readmission). Guarded by the connection's lock ({@code guard}).
 */
final class ClientSlot {

    /** What to do with a HELLO presenting the certificate that brought this connection here. */
    enum Readmission { READMIT, BUSY, NO }

    private final ConnectionId id;
    private final Guard guard;
    private final Condition changed;
    private final Outbound outbound;
    private final ServerEnd end;
    private final ClientWatch watch;

    /** Taken over with replicated transfer: the client may have read beyond this stream's end. */
    private final boolean clientMayBeAhead;
    private ServerLink link;
    /** The client sent something on the current link since it attached. */
    private boolean confirmed;
    private byte[] admittedBy = new byte[0];

    ClientSlot(ConnectionId id, Guard guard, Condition changed, Outbound outbound, ServerEnd end, ClientWatch watch,
            boolean clientMayBeAhead) {
        this.clientMayBeAhead = clientMayBeAhead;
        this.id = id;
        this.guard = guard;
        this.changed = changed;
        this.outbound = outbound;
        this.end = end;
        this.watch = watch;
    }

    /** The link attached now, or null. */
    ServerLink link() {
        return link;
    }

    void admittedBy(byte[] certMac) {
        admittedBy = certMac.clone();
    }

    /**
     * Attaches a client link after HELLO (the previous one, if any, is cut): the client has every
     * byte below HELLO's {@code next}, and accepts bytes below its window end.
     */
    void attach(ServerConnection conn, ServerLink newLink, Frame.Hello hello) throws ProtocolException {
        long start = hello.next();
        if (start > outbound.end()) {
            if (!clientMayBeAhead) {
                throw new ProtocolException("client claims " + hello.next()
                        + " bytes but the stream has only " + outbound.end());
            }
            // Resumed from a replica older than what the client read from the previous holder:
            // the application regenerates up to the client's position; those bytes are not sent
            // (the client has them) and cannot be compared (no copy of them is left anywhere).
            outbound.peerAhead(start);
        }
        // HELLO's position is a lower bound: during the overlap the client kept reading from
        // the old holder and may have acknowledged more there, which the state carries.
        outbound.acknowledged(Math.min(start, outbound.end()));
        outbound.peer(hello.maxFrameSize(), hello.windowEnd(), true);
        newLink.attached(conn, new SendCursor(Math.max(start, outbound.acked())));
        if (link != null) {
            link.abort();
        }
        link = newLink;
        confirmed = false;
        watch.linked();
    }

    /**
     * The client acknowledges {@code received}, beyond what this stream has written: on a
     * connection resumed from a replica, it read that far from the previous holder, which went on
     * serving during the migration (the overlap), so it is ahead as at {@link #attach}; otherwise
     * nothing changes (the ACK is then a protocol error).
     */
    void acknowledgedAhead(long received) {
        if (clientMayBeAhead && received > outbound.end()) {
            outbound.peerAhead(received);
        }
    }

    /** {@code l} ended; true when it was the attached link (the connection is an orphan now). */
    boolean detach(ServerLink l) {
        if (l != link) {
            return false;
        }
        link = null;
        return true;
    }

    /**
     * Whether frames from {@code from} count (it is the attached link and the connection is
     * live); when they do, the client has spoken on it.
     */
    boolean accepts(ServerLink from) {
        if (from == link && !from.ending() && end.live()) {
            confirmed = true;
            return true;
        }
        return false;
    }

    /**
     * A client that lost the WELCOME (or gave up waiting) presents the same certificate again.
     * {@code READMIT} when {@code certMac} admitted this connection here, no client has sent
     * anything on it since and its link is gone; {@code BUSY} when the link still looks alive
     * (it may be the abandoned one: ask again shortly); {@code NO} otherwise (stale).
     */
    Readmission readmission(byte[] certMac) {
        if (!end.live() || end.is(ServerPhase.CLIENT_CLOSED) || confirmed || !Hmac.equal(admittedBy, certMac)) {
            return Readmission.NO;
        }
        return link == null ? Readmission.READMIT : Readmission.BUSY;
    }

    ClientPresence presence() {
        if (!end.is(ServerPhase.OPEN)) {
            return ClientPresence.GONE;
        }
        return link == null ? ClientPresence.ORPHANED : ClientPresence.LINKED;
    }

    /** Under lock: waits while the connection is an orphan, until {@code deadline} ({@link System#nanoTime}). */
    ClientPresence awaitClient(long deadline) throws InterruptedIOException {
        ClientPresence p;
        while ((p = presence()) == ClientPresence.ORPHANED) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return p;
            }
            try {
                guard.awaitNanos(changed, left);
            } catch (InterruptedIOException e) {
                throw new InterruptedIOException("interrupted while waiting for the client of " + id);
            }
        }
        return p;
    }
}
