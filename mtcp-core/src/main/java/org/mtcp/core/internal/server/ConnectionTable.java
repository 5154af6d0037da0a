package org.mtcp.core.internal.server;

import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.transfer.ConnectionState;

/**
 * The connections a server holds, plus what it remembers about those that left:
 * <ul>
 * <li>live connections, by id (at most one epoch per id here);</li>
 * <li>tombstones: for a connection handed to another server, the epoch it left, where it went and
 *     (for a short grace period) the state handed out, so the same requester can retry a fetch
 *     whose answer it lost, and so a stale certificate gets a "moved" answer naming the new
 *     holder. Tombstones live as long as a certificate (after that, any certificate for the old
 *     epoch has expired anyway) and their number is bounded;</li>
 * <li>takeovers in progress, so two HELLOs for one connection at one server do not both fetch.</li>
 * </ul>
 */
final class ConnectionTable {

    record Tombstone(long epoch, String newHolder, long requestId, ConnectionState state, long buriedNanos) {}

    private final Map<ConnectionId, ServerConnection> live = new ConcurrentHashMap<>();
    private final Set<ConnectionId> takeovers = ConcurrentHashMap.newKeySet();
    private final LinkedHashMap<ConnectionId, Tombstone> tombstones = new LinkedHashMap<>();
    private final int maxTombstones;
    private final ReentrantLock emptyLock = new ReentrantLock();
    private final Condition removed = emptyLock.newCondition();

    ConnectionTable(int maxTombstones) {
        this.maxTombstones = maxTombstones;
    }

    ServerConnection get(ConnectionId id) {
        return live.get(id);
    }

    void put(ServerConnection c) {
        live.put(c.id(), c);
    }

    boolean remove(ConnectionId id, ServerConnection c) {
        boolean done = live.remove(id, c);
        if (done) {
            signalRemoved();
        }
        return done;
    }

    private void signalRemoved() {
        emptyLock.lock();
        try {
            removed.signalAll();
        } finally {
            emptyLock.unlock();
        }
    }

    /** Waits until no connection is held here or {@code nanos} passed; true when empty. */
    boolean awaitEmpty(long nanos) throws InterruptedException {
        emptyLock.lock();
        try {
            long remaining = nanos;
            while (!live.isEmpty()) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = removed.awaitNanos(remaining);
            }
            return true;
        } finally {
            emptyLock.unlock();
        }
    }

    int size() {
        return live.size();
    }

    Collection<ServerConnection> all() {
        return List.copyOf(live.values());
    }

    boolean beginTakeover(ConnectionId id) {
        return takeovers.add(id);
    }

    void endTakeover(ConnectionId id) {
        takeovers.remove(id);
    }

    synchronized Tombstone tombstone(ConnectionId id) {
        return tombstones.get(id);
    }

    synchronized void bury(ConnectionId id, Tombstone t) {
        tombstones.remove(id);
        tombstones.put(id, t);
        while (tombstones.size() > maxTombstones) {
            Iterator<ConnectionId> it = tombstones.keySet().iterator();
            it.next();
            it.remove();
        }
    }

    /** Forgets handed-out state after {@code graceNanos} and whole tombstones after {@code ttlNanos}. */
    synchronized void expire(long nowNanos, long graceNanos, long ttlNanos) {
        Iterator<Map.Entry<ConnectionId, Tombstone>> it = tombstones.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<ConnectionId, Tombstone> e = it.next();
            Tombstone t = e.getValue();
            long age = nowNanos - t.buriedNanos();
            if (age > ttlNanos) {
                it.remove();
            } else if (t.state() != null && age > graceNanos) {
                e.setValue(new Tombstone(t.epoch(), t.newHolder(), t.requestId(), null, t.buriedNanos()));
            }
        }
    }

    synchronized void clear() {
        live.clear();
        tombstones.clear();
        signalRemoved();
    }
}
