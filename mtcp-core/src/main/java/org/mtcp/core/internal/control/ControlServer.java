package org.mtcp.core.internal.control;

import java.io.Closeable;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.mtcp.core.internal.cert.KeyRing;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control listener of one server: authenticates peers ({@link ControlChannel}) and answers
 * their FETCH requests through a {@link Handler}. Anything that is not a correct, authenticated
 * exchange closes that control connection only; the listener keeps serving.
 *
 * <p>{@link #close(long)} does not cut a hand-out under way: from the moment a FETCH is taken on
 * (the connection may be frozen, and its application told it moved) until the reply is written,
 * the channel is "busy", and close waits (bounded) for the reply to go out before closing it.
 * Without this, a server closed right after its application saw {@code MigratedException} cut
 * the STATE reply, the requester's retry found the listener gone, and the migration failed with
 * {@code holder-unreachable}.
 */
public final class ControlServer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    /** An authenticated channel idle this long is closed. */
    static final int IDLE_TIMEOUT_MILLIS = 120_000;

    /**
     * A hand-out: the state for the reply, and what to run once the reply is written (or failed
     * to be): the holder wakes its frozen connection's threads only then, so that they do not
     * compete with the reply for the CPU (issue 12: the migration's path first).
     */
    public record HandOut(ConnectionState state, Runnable afterReply) {}

    /** The holder side of a fetch: freeze and hand out, or refuse. */
    @FunctionalInterface
    public interface Handler {
        HandOut handOut(ConnectionId id, long epoch, String requester, long requestId)
                throws TransferException;
    }

    /** The replica side of replicated transfer: keep (STORE) and drop (FORGET) other holders' states. */
    public interface ReplicaHandler {
        /** Keeps {@code state}, sent by its holder {@code from}; refuses (MOVED) a superseded epoch. */
        void store(ConnectionState state, String from) throws TransferException;

        /**
         * Drops the replica of {@code id} at {@code epoch} (or earlier), if any: the connection
         * ended at that epoch, or {@code from} took it over from that epoch (then a holder of that
         * epoch here is superseded and fenced).
         */
        void forget(ConnectionId id, long epoch, String from);
    }

    private final ServerSocket listener;
    private final KeyRing controlKey;
    private final String localName;
    private final Predicate<String> isMember;
    private final Handler handler;
    private final ReplicaHandler replicas;
    private final int handshakeTimeoutMillis;
    private final int maxFrameLength;
    private final int maxChannels;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Channels between taking a FETCH on and writing its reply; guarded by {@link #busyLock}. */
    private final Set<Socket> busy = ConcurrentHashMap.newKeySet();
    private final ReentrantLock busyLock = new ReentrantLock();
    private final Condition idle = busyLock.newCondition();
    private volatile boolean closed;

    public ControlServer(ServerSocket listener, KeyRing controlKey, String localName,
            Predicate<String> isMember, Handler handler, ReplicaHandler replicas, int handshakeTimeoutMillis,
            int maxFrameLength, int maxChannels) {
        this.listener = listener;
        this.controlKey = controlKey;
        this.localName = localName;
        this.isMember = isMember;
        this.handler = handler;
        this.replicas = replicas;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.maxFrameLength = maxFrameLength;
        this.maxChannels = maxChannels;
    }

    public void start() {
        Threads.start("mtcp-control-accept-" + localName, this::acceptLoop);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("{}: control listener failed: {}", localName, e.toString());
                }
                return;
            }
            if (open.size() >= maxChannels) {
                LOG.warn("{}: refusing control connection from {}: {} open already", localName,
                        s.getRemoteSocketAddress(), open.size());
                closeQuietly(s);
                continue;
            }
            open.add(s);
            Threads.start("mtcp-control-" + localName, () -> serve(s));
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(handshakeTimeoutMillis);
            ControlChannel channel = ControlChannel.respond(s, controlKey, localName, isMember, maxFrameLength);
            // Authenticated channels are pooled by the peer and may idle between requests, but
            // not forever: a peer that died without closing must not hold a channel slot. The
            // peer retries a request that fails on a channel closed this way.
            s.setSoTimeout(IDLE_TIMEOUT_MILLIS);
            s.setKeepAlive(true);
            while (!closed) {
                ControlMessage m = channel.receive();
                if (m == null) {
                    return;
                }
                ControlMessage.Fetch f;
                switch (m) {
                    case ControlMessage.Fetch fetch -> f = fetch;
                    case ControlMessage.Store store -> {
                        channel.send(storeReply(store, channel.peerName()));
                        continue;
                    }
                    case ControlMessage.Forget forget -> {
                        replicas.forget(forget.id(), forget.epoch(), channel.peerName());
                        channel.send(new ControlMessage.Stored(forget.requestId()));
                        continue;
                    }
                    default -> throw new IOException("unexpected control request " + m.type());
                }
                if (!begin(s)) {
                    return; // closing: not taken on, nothing frozen; the requester sees the server gone
                }
                ControlMessage reply;
                Runnable afterReply = null;
                try {
                    if (!f.requester().equals(channel.peerName())) {
                        throw new TransferException(TransferException.Reason.REFUSED,
                                "requester " + f.requester() + " does not match the authenticated peer "
                                        + channel.peerName(), "");
                    }
                    HandOut h = handler.handOut(f.id(), f.epoch(), f.requester(), f.requestId());
                    afterReply = h.afterReply();
                    reply = new ControlMessage.State(f.requestId(), h.state());
                } catch (TransferException e) {
                    reply = new ControlMessage.Refuse(f.requestId(), e.reason(), e.getMessage(), e.hint());
                }
                try {
                    channel.send(reply);
                } finally {
                    if (afterReply != null) {
                        afterReply.run();
                    }
                    end(s);
                }
            }
        } catch (java.net.SocketTimeoutException e) {
            LOG.debug("{}: control connection from {} idle or silent, closed", localName, s.getRemoteSocketAddress());
        } catch (SocketException e) {
            if (!closed) {
                LOG.debug("{}: control connection from {} ended: {}", localName, s.getRemoteSocketAddress(), e.toString());
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.info("{}: control connection from {} dropped: {}", localName, s.getRemoteSocketAddress(), e.toString());
            }
        } finally {
            end(s);
            open.remove(s);
        }
    }

    private ControlMessage storeReply(ControlMessage.Store store, String from) {
        try {
            replicas.store(store.state(), from);
            return new ControlMessage.Stored(store.requestId());
        } catch (TransferException e) {
            return new ControlMessage.Refuse(store.requestId(), e.reason(), e.getMessage(), e.hint());
        }
    }

    /** Takes a request on unless closing; then close waits for {@link #end}. */
    private boolean begin(Socket s) {
        busyLock.lock();
        try {
            if (closed) {
                return false;
            }
            busy.add(s);
            return true;
        } finally {
            busyLock.unlock();
        }
    }

    private void end(Socket s) {
        busyLock.lock();
        try {
            if (busy.remove(s)) {
                idle.signalAll();
            }
        } finally {
            busyLock.unlock();
        }
    }

    /** Hand-outs whose reply is not written yet (tests, diagnostics). */
    public int handOutsInProgress() {
        return busy.size();
    }

    /** Closes at once, cutting any hand-out under way (as a crash would). */
    @Override
    public void close() {
        close(0);
    }

    /**
     * Stops listening and closes every idle channel at once; a channel with a hand-out under way
     * is left to write its reply (the serving thread then closes it, gracefully: the peer has
     * nothing unread there) for up to {@code graceMillis}, then cut.
     */
    public void close(long graceMillis) {
        busyLock.lock();
        try {
            closed = true;
            closeQuietly(listener);
            for (Socket s : open) {
                if (!busy.contains(s)) {
                    closeQuietly(s);
                }
            }
            long remaining = TimeUnit.MILLISECONDS.toNanos(Math.max(0, graceMillis));
            while (!busy.isEmpty() && remaining > 0) {
                remaining = idle.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            busyLock.unlock();
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
