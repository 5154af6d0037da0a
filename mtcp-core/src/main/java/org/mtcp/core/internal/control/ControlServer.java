package org.mtcp.core.internal.control;

import java.io.Closeable;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
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
 */
public final class ControlServer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    /** An authenticated channel idle this long is closed. */
    static final int IDLE_TIMEOUT_MILLIS = 120_000;

    /** The holder side of a fetch: freeze and hand out, or refuse. */
    @FunctionalInterface
    public interface Handler {
        ConnectionState handOut(ConnectionId id, long epoch, String requester, long requestId)
                throws TransferException;
    }

    private final ServerSocket listener;
    private final byte[] controlKey;
    private final String localName;
    private final Predicate<String> isMember;
    private final Handler handler;
    private final int handshakeTimeoutMillis;
    private final int maxFrameLength;
    private final int maxChannels;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public ControlServer(ServerSocket listener, byte[] controlKey, String localName,
            Predicate<String> isMember, Handler handler, int handshakeTimeoutMillis,
            int maxFrameLength, int maxChannels) {
        this.listener = listener;
        this.controlKey = controlKey;
        this.localName = localName;
        this.isMember = isMember;
        this.handler = handler;
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
                if (!(m instanceof ControlMessage.Fetch f)) {
                    throw new IOException("unexpected control request " + m.type());
                }
                ControlMessage reply;
                try {
                    if (!f.requester().equals(channel.peerName())) {
                        throw new TransferException(TransferException.Reason.REFUSED,
                                "requester " + f.requester() + " does not match the authenticated peer "
                                        + channel.peerName(), "");
                    }
                    reply = new ControlMessage.State(f.requestId(),
                            handler.handOut(f.id(), f.epoch(), f.requester(), f.requestId()));
                } catch (TransferException e) {
                    reply = new ControlMessage.Refuse(f.requestId(), e.reason(), e.getMessage(), e.hint());
                }
                channel.send(reply);
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
            open.remove(s);
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
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
