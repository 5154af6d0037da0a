package org.mtcp.core.internal.server;

import org.mtcp.core.ConnectionId;
import org.mtcp.core.transfer.ConnectionState;

/**
 * Which replica, if any, the current takeover handshake took from this server's
 * {@link ReplicaStore}. The handshake thread runs both the strategy's {@code acquire} (which asks
 * for the replica or claims it) and {@link #installed}, so the choice is kept per thread: by the
 * time of the install the store may hold a later state of the same epoch (a closing holder still
 * pushes until its application stops), so the state installed is compared with the one taken.
 */
final class TakeoverReplicas {

    /** Where a takeover's state came from. */
    enum Source {
        /** FETCHed from the holder (lazy transfer, or replicated transfer with the holder alive). */
        HOLDER,
        /** The replica kept here, the holder unreachable or restarted (failover). */
        REPLICA_OF_FAILED_HOLDER,
        /** The replica kept here, claimed for a planned migration without asking the holder. */
        REPLICA_CLAIMED
    }

    private final ReplicaStore store;
    private final String serverName;
    private final ThreadLocal<ConnectionState> handedOut = new ThreadLocal<>();
    private final ThreadLocal<ConnectionState> claimed = new ThreadLocal<>();

    TakeoverReplicas(ReplicaStore store, String serverName) {
        this.store = store;
        this.serverName = serverName;
    }

    /** The replica of {@code id} at {@code epoch} for a failover (null: none), remembered for this handshake. */
    ConnectionState replica(ConnectionId id, long epoch) {
        ConnectionState st = store.get(id, epoch);
        handedOut.set(st);
        return st;
    }

    /** The replica claimed for a planned migration ({@link ReplicaStore#claim}; null: none), remembered. */
    ConnectionState claim(ConnectionId id, long epoch, String holder, long clientAcked) {
        ConnectionState st = store.claim(id, epoch, holder, clientAcked);
        claimed.set(st);
        return st;
    }

    /**
     * A connection taken over here from {@code st} (now in the table): a replica of that epoch is
     * of no more use. Returns where {@code st} came from.
     */
    Source installed(ConnectionState st) {
        Source source = claimed.get() == st ? Source.REPLICA_CLAIMED
                : handedOut.get() == st ? Source.REPLICA_OF_FAILED_HOLDER : Source.HOLDER;
        handedOut.remove();
        if (claimed.get() != null) {
            store.release(st.id(), true);
            claimed.remove();
        }
        store.forget(st.id(), st.epoch(), serverName);
        return source;
    }

    /** A takeover handshake ended, installed or not: drop its references (a claim not installed is released). */
    void ended() {
        handedOut.remove();
        ConnectionState claimedState = claimed.get();
        if (claimedState != null) {
            store.release(claimedState.id(), false);
            claimed.remove();
        }
    }
}
