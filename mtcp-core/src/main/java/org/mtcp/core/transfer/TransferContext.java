package org.mtcp.core.transfer;

import java.io.IOException;
import org.mtcp.core.ConnectionId;

/**
 * What a {@link StateTransfer} may use from the server it runs in: the authenticated control
 * channel to the other pool members. Implemented by the server.
 */
public interface TransferContext {

    /** Name of the server this transfer runs in. */
    String localName();

    /**
     * Asks {@code holder} (which may be this server) to freeze connection {@code id} at
     * {@code epoch} and hand out its state. The holder fences the epoch atomically: its
     * application gets {@link org.mtcp.core.MigratedException} from then on, and the state is
     * handed out once per epoch; a second fetch gets {@link TransferException.Reason#MOVED}.
     */
    ConnectionState fetch(String holder, ConnectionId id, long epoch) throws IOException;

    /**
     * The other pool members in this connection's replica ranking (rendezvous hashing on the id,
     * over the pool as it is now): replicated transfer pushes to the first reachable ones, and a
     * client whose holder failed tries them first.
     */
    default java.util.List<String> replicaRanking(ConnectionId id) {
        throw new UnsupportedOperationException("this server does not replicate");
    }

    /**
     * Asks {@code replica} to keep {@code state} (STORE over the authenticated control plane),
     * returning once it has. A replica that knows a later epoch refuses with {@link
     * TransferException.Reason#MOVED}: the caller's epoch is superseded.
     */
    default void store(String replica, ConnectionState state) throws IOException {
        throw new UnsupportedOperationException("this server does not replicate");
    }

    /**
     * A planned migration to this server (docs/protocol.md 10, "Migration to a replica"): the
     * replica kept here of {@code id} at exactly {@code epoch}, pushed by {@code holder}, if it
     * covers the client's {@code clientAcked} (the client can resend whatever it lacks), taken
     * for this takeover: from now on a STORE of that epoch is refused as moved, so an export of
     * the holder's still in flight fences the holder instead of completing. Null when there is no
     * such replica: the caller asks the holder.
     */
    default ConnectionState claimReplica(ConnectionId id, long epoch, String holder, long clientAcked) {
        return null;
    }

    /** The replica this server keeps of {@code id} at exactly {@code epoch}, or null. */
    default ConnectionState replica(ConnectionId id, long epoch) {
        return null;
    }
}
