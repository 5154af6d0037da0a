package org.mtcp.core.internal.server;

import java.util.HashMap;
import java.util.Map;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.control.ControlServer;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferException;
import org.mtcp.core.transfer.TransferException.Reason;

/**
 * The replicas this server keeps for other holders (replicated state transfer, docs/protocol.md
 * section 10): the last state each holder pushed per connection, bounded in connections and
 * bytes (a STORE beyond either bound is refused, and the holder tries the next replica in its
 * ranking). A STORE for an epoch this server knows to be superseded (it holds the connection at
 * a later epoch, or handed it on) is refused as MOVED: that fences an old holder that comes back.
 *
 * <p>Migration to a replica (docs/protocol.md 10): a takeover here may {@link #claim} the replica
 * instead of fetching from the live holder; from the claim on, a STORE of that epoch is refused as
 * MOVED (an export in flight at the holder fences it rather than completing), and a STORE of a
 * later epoch or a FORGET from the server that took the connection over fences a holder of the
 * earlier epoch here ({@link ServerEngine#supersede}).
 */
final class ReplicaStore implements ControlServer.ReplicaHandler {

    /** Bytes of snapshots and logs kept for all connections together. */
    static final long MAX_BYTES = 256L << 20;

    private final ServerEngine engine;
    private final int maxEntries;
    private final Map<ConnectionId, ConnectionState> states = new HashMap<>();
    /** Epochs claimed by a takeover here that is not in the connection table yet. */
    private final Map<ConnectionId, Long> claimed = new HashMap<>();
    private long bytes;

    ReplicaStore(ServerEngine engine, int maxEntries) {
        this.engine = engine;
        this.maxEntries = maxEntries;
    }

    @Override
    public void store(ConnectionState st, String from) throws TransferException {
        if (!st.holder().equals(from)) {
            throw new TransferException(Reason.REFUSED, "replica of " + st.id() + " sent by " + from
                    + " but held by " + st.holder(), "");
        }
        // A later epoch from another server: it took the connection over from the one held here.
        engine.supersede(st.id(), st.epoch() - 1, from);
        ServerConnection held = engine.table().get(st.id());
        if (held != null && held.epoch() > st.epoch()) {
            throw new TransferException(Reason.MOVED, "connection " + st.id() + " is at epoch " + held.epoch()
                    + " on " + engine.name() + ", not " + st.epoch(), engine.name());
        }
        ConnectionTable.Tombstone t = engine.table().tombstone(st.id());
        if (t != null && t.epoch() >= st.epoch()) {
            throw new TransferException(Reason.MOVED, "connection " + st.id() + " left epoch " + t.epoch()
                    + " for " + t.newHolder(), t.newHolder());
        }
        synchronized (this) {
            Long claimedEpoch = claimed.get(st.id());
            if (claimedEpoch != null && claimedEpoch >= st.epoch()) {
                throw new TransferException(Reason.MOVED, "connection " + st.id() + " epoch " + st.epoch()
                        + " is being taken over by " + engine.name(), engine.name());
            }
            ConnectionState old = states.get(st.id());
            if (old != null && old.epoch() > st.epoch()) {
                throw new TransferException(Reason.MOVED, "a replica of connection " + st.id() + " at epoch "
                        + old.epoch() + " supersedes epoch " + st.epoch(), "");
            }
            if (old != null && old.epoch() == st.epoch() && old.received() > st.received()) {
                return; // an older push overtaken by a newer one: keep the newer
            }
            long oldSize = old == null ? 0 : old.sizeInBytes();
            if (old == null && states.size() >= maxEntries) {
                throw new TransferException(Reason.REFUSED, engine.name() + " keeps replicas of "
                        + states.size() + " connections already", "");
            }
            if (bytes - oldSize + st.sizeInBytes() > MAX_BYTES) {
                throw new TransferException(Reason.REFUSED, engine.name() + " keeps " + bytes
                        + " bytes of replicas already (limit " + MAX_BYTES + ")", "");
            }
            states.put(st.id(), st);
            bytes += st.sizeInBytes() - oldSize;
        }
    }

    @Override
    public void forget(ConnectionId id, long epoch, String from) {
        engine.supersede(id, epoch, from);
        synchronized (this) {
            ConnectionState old = states.get(id);
            if (old != null && old.epoch() <= epoch) {
                states.remove(id);
                bytes -= old.sizeInBytes();
            }
        }
    }

    /**
     * Takes the replica of {@code id} at exactly {@code epoch} pushed by {@code holder} for a
     * takeover here, if it covers {@code minReceived} (the client's acknowledged position: it can
     * resend the rest); null otherwise. Until {@link #release} or the connection is in the table,
     * STOREs of that epoch are refused as MOVED.
     */
    synchronized ConnectionState claim(ConnectionId id, long epoch, String holder, long minReceived) {
        ConnectionState st = states.get(id);
        if (st == null || st.epoch() != epoch || !st.holder().equals(holder) || st.received() < minReceived) {
            return null;
        }
        claimed.put(id, epoch);
        return st;
    }

    /** The takeover that {@link #claim}ed {@code id} ended: installed (then dropped) or not (kept). */
    synchronized void release(ConnectionId id, boolean installed) {
        claimed.remove(id);
        if (installed) {
            ConnectionState old = states.remove(id);
            if (old != null) {
                bytes -= old.sizeInBytes();
            }
        }
    }

    /** The replica of {@code id} at exactly {@code epoch}, or null. */
    synchronized ConnectionState get(ConnectionId id, long epoch) {
        ConnectionState st = states.get(id);
        return st != null && st.epoch() == epoch ? st : null;
    }

    /** Replicas kept (tests, stats). */
    synchronized int size() {
        return states.size();
    }
}
