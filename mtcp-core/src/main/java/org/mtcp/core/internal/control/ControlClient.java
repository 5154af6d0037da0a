package org.mtcp.core.internal.control;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.mtcp.core.internal.cert.KeyRing;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.PoolMember;
import org.mtcp.core.ValueSyntax;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferException.Reason;
import org.mtcp.core.transfer.TransferException;

/**
 * The requesting side of the control plane: fetches connection state from other members over
 * authenticated channels, kept open between requests (one TCP and authentication round trip
 * less per migration). A pooled channel can have died since its last use; a request that fails
 * on one is retried once on a fresh channel with the same request id, which the holder treats
 * as the same request, so a lost reply does not lose the state.
 *
 * <p>At most {@link #MAX_CHANNELS_PER_HOLDER} fetches run at once towards one holder, so at most
 * that many channels to it exist: a burst of migrations away from one server (a drain of a
 * thousand connections) queues here, each fetch waiting for a channel up to the control timeout,
 * instead of opening a channel per migration and being refused by the holder's cap on open
 * control connections (which failed those migrations).
 */
public final class ControlClient implements Closeable {

    private final KeyRing controlKey;
    private final String localName;
    private final int timeoutMillis;
    private final int maxFrameLength;
    /**
     * Concurrent fetches (and so channels) towards one holder. The holder accepts 64 control
     * channels per pool member, so its N - 1 peers together (at most 48 (N - 1)) never reach its cap
     * of 64 N. With 16, a drain of 1,000 connections took about 1.1 s against 0.85 s with 48
     * (`./mtcp bench drain`, runs interleaved on the same loaded 2-core machine).
     */
    static final int MAX_CHANNELS_PER_HOLDER = 48;

    private final Map<String, ConcurrentLinkedDeque<ControlChannel>> idle = new ConcurrentHashMap<>();
    private final Map<String, Semaphore> slots = new ConcurrentHashMap<>();
    /**
     * Per member, how many times its channels were dropped ({@link #forget}): a channel in use
     * then (a push or fetch in flight when the member changed address) is closed when its request
     * ends instead of going back to the pool, where later requests would still reach the old
     * address (found by ReplicaMigrationTest: pushes went on reaching a member the test had cut).
     */
    private final Map<String, java.util.concurrent.atomic.AtomicLong> generations = new ConcurrentHashMap<>();
    /** Members a channel is being opened to ahead of a fetch ({@link #warm}). */
    private final java.util.Set<String> warming = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public ControlClient(KeyRing controlKey, String localName, int timeoutMillis, int maxFrameLength) {
        this.controlKey = controlKey;
        this.localName = localName;
        this.timeoutMillis = timeoutMillis;
        this.maxFrameLength = maxFrameLength;
    }

    public ConnectionState fetch(PoolMember holder, ConnectionId id, long epoch, long requestId)
            throws TransferException {
        ConnectionState state = ((ControlMessage.State) call(holder,
                new ControlMessage.Fetch(requestId, id, epoch, localName), requestId)).state();
        if (!state.id().equals(id) || state.epoch() != epoch) {
            throw new TransferException(Reason.REFUSED, "holder " + holder.name() + " sent the state of "
                    + state.id() + " epoch " + state.epoch() + " for " + id + " epoch " + epoch, "");
        }
        return state;
    }

    /**
     * Replicated transfer: asks {@code replica} to keep {@code state} (STORE), returning once it
     * has; a refusal (the replica knows a later epoch: MOVED; its store is full: REFUSED) or an
     * unreachable replica is a {@link TransferException}.
     */
    public void store(PoolMember replica, ConnectionState state, long requestId) throws TransferException {
        call(replica, new ControlMessage.Store(requestId, state), requestId);
    }

    /** Replicated transfer: the connection ended cleanly; {@code replica} drops its copy (FORGET). */
    public void forget(PoolMember replica, ConnectionId id, long epoch, long requestId) throws TransferException {
        call(replica, new ControlMessage.Forget(requestId, id, epoch), requestId);
    }

    /** One request and its answer (STATE for a FETCH, STORED otherwise), within the member's channel slots. */
    private ControlMessage call(PoolMember peer, ControlMessage request, long requestId) throws TransferException {
        Semaphore slot = slots.computeIfAbsent(peer.name(), k -> new Semaphore(MAX_CHANNELS_PER_HOLDER, true));
        try {
            if (!slot.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS)) {
                throw unreachable(role(request), peer, new IOException("no control channel free within "
                        + timeoutMillis + " ms (" + MAX_CHANNELS_PER_HOLDER + " requests under way)"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(role(request), peer, new java.io.InterruptedIOException("interrupted waiting for a control channel"));
        }
        try {
            return callWithSlot(peer, request, requestId);
        } finally {
            slot.release();
        }
    }

    private ControlMessage callWithSlot(PoolMember peer, ControlMessage request, long requestId)
            throws TransferException {
        long generation = generation(peer.name());
        ControlChannel pooled = idle.computeIfAbsent(peer.name(), k -> new ConcurrentLinkedDeque<>()).pollFirst();
        if (pooled != null) {
            try {
                return exchange(pooled, peer, request, requestId, generation);
            } catch (TransferException e) {
                if (e.reason() != Reason.UNREACHABLE || e.getCause() instanceof SocketTimeoutException) {
                    throw e; // refused, or the peer is hung: a retry would not help
                }
                // Fall through: the pooled channel may simply have been stale.
            }
        }
        ControlChannel fresh;
        try {
            fresh = connect(peer);
        } catch (IOException e) {
            throw unreachable(role(request), peer, e);
        }
        return exchange(fresh, peer, request, requestId, generation);
    }

    private long generation(String member) {
        return generations.computeIfAbsent(member, k -> new java.util.concurrent.atomic.AtomicLong()).get();
    }

    /**
     * Opens a channel to {@code holder} in the background unless one is idle or being opened:
     * a client's standby link announces a takeover, whose FETCH then costs one round trip
     * instead of a TCP handshake, the authentication and the round trip.
     */
    public void warm(PoolMember holder) {
        ConcurrentLinkedDeque<ControlChannel> q = idle.computeIfAbsent(holder.name(), k -> new ConcurrentLinkedDeque<>());
        if (closed || !q.isEmpty() || !warming.add(holder.name())) {
            return;
        }
        long generation = generation(holder.name());
        org.mtcp.core.internal.Threads.start("mtcp-control-warm-" + holder.name(), () -> {
            try {
                release(holder, connect(holder), generation);
            } catch (IOException | RuntimeException e) {
                // the fetch, if one comes, opens its own channel and reports what fails
            } finally {
                warming.remove(holder.name());
            }
        });
    }

    private ControlChannel connect(PoolMember holder) throws IOException {
        if (closed) {
            throw new IOException("server closed");
        }
        InetSocketAddress address = holder.control();
        if (address.isUnresolved()) {
            address = new InetSocketAddress(address.getHostString(), address.getPort());
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(address, timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            return ControlChannel.initiate(s, controlKey, localName, holder.name(), maxFrameLength);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private ControlMessage exchange(ControlChannel channel, PoolMember peer, ControlMessage request,
            long requestId, long generation) throws TransferException {
        ControlMessage reply;
        try {
            channel.socket().setSoTimeout(timeoutMillis);
            channel.send(request);
            reply = channel.receive();
        } catch (ControlChannel.AuthenticationException e) {
            channel.close();
            throw new TransferException(Reason.REFUSED, "control channel to " + peer.name() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            channel.close();
            throw unreachable(role(request), peer, e);
        }
        if (reply == null) {
            channel.close();
            throw unreachable(role(request), peer, new IOException("control connection closed"));
        }
        boolean fetch = request instanceof ControlMessage.Fetch;
        switch (reply) {
            case ControlMessage.State s when fetch && s.requestId() == requestId -> {
                release(peer, channel, generation);
                return s;
            }
            case ControlMessage.Stored s when !fetch && s.requestId() == requestId -> {
                release(peer, channel, generation);
                return s;
            }
            case ControlMessage.Refuse r when r.requestId() == requestId -> {
                release(peer, channel, generation);
                throw new TransferException(r.reason(), r.message(), r.hint());
            }
            default -> {
                channel.close();
                throw new TransferException(Reason.REFUSED, peer.name() + " answered " + request.type()
                        + " with an unexpected " + reply.type(), "");
            }
        }
    }

    private void release(PoolMember holder, ControlChannel channel, long generation) {
        if (closed || generation(holder.name()) != generation) {
            channel.close();
        } else {
            idle.computeIfAbsent(holder.name(), k -> new ConcurrentLinkedDeque<>()).addFirst(channel);
        }
    }

    /** What the peer is to this request, for messages. */
    private static String role(ControlMessage request) {
        return request instanceof ControlMessage.Fetch ? "holder" : "replica";
    }

    private static TransferException unreachable(String role, PoolMember holder, IOException e) {
        String why = e instanceof SocketTimeoutException ? "no answer in time" : e.toString();
        return new TransferException(Reason.UNREACHABLE, role + " " + holder.name() + " unreachable at "
                + ValueSyntax.format(holder.control()) + ": " + why, e);
    }

    /** Drops pooled channels to {@code name} (the member changed address or restarted). */
    public void forget(String name) {
        generations.computeIfAbsent(name, k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
        ConcurrentLinkedDeque<ControlChannel> q = idle.remove(name);
        if (q != null) {
            q.forEach(ControlChannel::close);
        }
    }

    @Override
    public void close() {
        closed = true;
        idle.values().forEach(q -> q.forEach(ControlChannel::close));
        idle.clear();
    }
}
