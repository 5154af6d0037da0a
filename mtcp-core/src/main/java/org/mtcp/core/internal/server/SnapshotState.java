package org.mtcp.core.internal.server;

import org.mtcp.core.ConnectionId;
import org.mtcp.core.LimitExceededException;
import org.mtcp.core.internal.stream.Inbound;
import org.mtcp.core.internal.stream.Outbound;
import org.mtcp.core.transfer.ConnectionState;

/**
 * What a server connection hands its next holder: the application's last snapshot and the stream
 * positions it stands for ({@code outSnap}, the inbound log's start), the state it imported, and
 * the {@link ConnectionState} captured from them and the stream for a migration. Guarded by the
 * connection's lock: every method is called under it.
 */
final class SnapshotState {

    private final ConnectionId id;
    private final long epoch;
    private final String server;
    private final int maxSnapshotSize;
    private final Outbound outbound;
    private final Inbound inbound;
    private final Replay replay;
    private final byte[] imported;
    private byte[] snapshot;
    private long outSnap;

    /** The state of a connection at {@code epoch}; {@code from} is the previous holder's (null: a new one). */
    SnapshotState(ConnectionId id, long epoch, String server, int maxSnapshotSize, Outbound outbound, Inbound inbound,
            Replay replay, ConnectionState from) {
        this.id = id;
        this.epoch = epoch;
        this.server = server;
        this.maxSnapshotSize = maxSnapshotSize;
        this.outbound = outbound;
        this.inbound = inbound;
        this.replay = replay;
        this.imported = from == null ? new byte[0] : from.snapshot();
        this.snapshot = from == null ? new byte[0] : from.snapshot();
        this.outSnap = from == null ? 0 : from.outSnap();
    }

    /** The snapshot this holder started from (a copy). */
    byte[] imported() {
        return imported.clone();
    }

    /**
     * The application's new snapshot: it stands for every byte read and written so far, so the
     * inbound log is trimmed to the unread bytes. Too large a snapshot changes nothing.
     */
    void export(byte[] snap) throws LimitExceededException {
        if (snap.length > maxSnapshotSize) {
            throw new LimitExceededException("snapshot of " + snap.length
                    + " bytes exceeds maxSnapshotSize " + maxSnapshotSize
                    + " on connection " + id + "; the previous snapshot stays in force");
        }
        snapshot = snap.clone();
        outSnap = replay.appWritten();
        inbound.release(inbound.readPos());
    }

    /** The connection's state now: the snapshot, the inbound log since it, the outbound retention. */
    ConnectionState capture() {
        long acked = outbound.acked();
        long end = outbound.end();
        return new ConnectionState(id, epoch, server, snapshot, inbound.retainedFrom(), inbound.received(),
                inbound.slice(inbound.retainedFrom(), inbound.received()), outSnap, acked, end,
                outbound.slice(acked, end), inbound.fin(), outbound.fin(), outbound.peerWindowEnd());
    }
}
