package org.mtcp.frontend.jetty;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.mtcp.core.MigratedException;
import org.mtcp.core.MtcpServerConnection;

/**
 * A Jetty {@link org.eclipse.jetty.io.EndPoint} over one migratory connection held by this
 * server.
 *
 * <p><b>Output is synchronous.</b> {@link #flush} writes every byte to the connection's
 * {@link OutputStream} before it returns (blocking is cheap on virtual threads), so when a Jetty
 * write callback succeeds, the bytes are in the transport and its {@code written} mark equals the
 * response position the application believes it has reached: a snapshot exported after a write
 * completes records exactly that position.
 *
 * <p><b>Input is gated.</b> An {@link InboundGate} reads the transport's blocking stream on a
 * virtual thread, one HTTP request at a time, and {@link #fill} drains what it queued without
 * blocking. The next request is read only after {@link #releaseNextRequest()}.
 *
 * <p>Once the connection has migrated away, the transport throws
 * {@link MigratedException} from every call: {@code flush} lets it through, Jetty fails the
 * response and closes this end point, and the thread serving it ends.
 */
public final class MtcpEndPoint extends AbstractEndPoint {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MtcpEndPoint.class);

    private static final InetSocketAddress REMOTE = InetSocketAddress.createUnresolved("mtcp-client", 0);

    private final MtcpServerConnection connection;
    private final OutputStream out;
    private final InboundGate gate;
    private final InetSocketAddress local;
    private final Runnable onClosed;
    private volatile Object attachment;

    MtcpEndPoint(Scheduler scheduler, MtcpServerConnection connection, Executor executor,
            InetSocketAddress local, int maxQueued, Runnable onClosed, byte[] preamble) throws IOException {
        super(scheduler);
        this.connection = connection;
        this.out = connection.getOutputStream();
        this.local = local;
        this.onClosed = onClosed;
        this.gate = new InboundGate(connection.getInputStream(), bytes -> {
            out.write(bytes);
            out.flush();
        }, executor, maxQueued,
                connection.id() + "@" + connection.epoch(), preamble);
    }

    /** The migratory connection this end point writes to (for snapshots). */
    public MtcpServerConnection connection() {
        return connection;
    }

    /** Application state attached to the connection (the front-end keeps its per-connection context here). */
    public Object attachment() {
        return attachment;
    }

    public void attach(Object value) {
        this.attachment = value;
    }

    /**
     * The bytes of the request being served, exactly as Jetty parsed them, when it has no body
     * (a GET); null otherwise. A front-end can store them in a snapshot and replay the request
     * on another front-end ({@link MtcpConnector#open(MtcpServerConnection, Object, byte[])}).
     */
    public byte[] currentRequest() {
        return gate.currentRequest();
    }

    /**
     * Lets the next request in: call once the response to the current one is complete and the
     * connection's snapshot records the position after it.
     */
    public void releaseNextRequest() {
        gate.release();
    }

    void startReading() {
        gate.start();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return local;
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return REMOTE;
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        if (!isOpen()) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (isInputShutdown()) {
            return -1;
        }
        int filled = gate.fill(buffer);
        if (filled > 0) {
            notIdle();
        } else if (filled < 0) {
            shutdownInput();
        }
        return filled;
    }

    @Override
    public boolean flush(ByteBuffer... buffers) throws IOException {
        if (!isOpen()) {
            throw new java.nio.channels.ClosedChannelException();
        }
        boolean wrote = false;
        for (ByteBuffer buffer : buffers) {
            if (buffer == null || !buffer.hasRemaining()) {
                continue;
            }
            if (buffer.hasArray()) {
                out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
                buffer.position(buffer.limit());
            } else {
                byte[] copy = new byte[buffer.remaining()];
                buffer.get(copy);
                out.write(copy);
            }
            wrote = true;
        }
        if (wrote) {
            out.flush();
            notIdle();
        }
        return true;
    }

    @Override
    protected void needsFillInterest() {
        gate.onReadable(() -> getFillInterest().fillable());
    }

    @Override
    protected void onIncompleteFlush() {
        // flush() always completes: nothing is ever pending
    }

    /**
     * Jetty shuts the output down after the last byte of a response that must end the connection
     * ({@code Connection: close}, HTTP/1.0, a close-delimited body) and expects the client to see
     * end-of-stream then, as it would after a socket's FIN. The transport has no server-side
     * half-close: its graceful {@link MtcpServerConnection#close()} is that FIN (the client reads
     * -1 after the last byte, across migrations too). The end point itself is closed when the
     * response completes (the front-end's completion listener) or by the idle timeout.
     */
    @Override
    protected void doShutdownOutput() {
        try {
            connection.close();
        } catch (IOException | RuntimeException e) {
            // moved away (a no-op) or reset: nothing left to end here
            LOG.debug("{}@{}: closing after the response: {}", connection.id(), connection.epoch(), e.toString());
        }
    }

    @Override
    protected void doClose() {
        gate.close();
        try {
            connection.close();
        } catch (IOException | RuntimeException ignored) {
            // moved away or already closed: nothing left to end here
        }
    }

    @Override
    public void onClose(Throwable failure) {
        super.onClose(failure);
        // As Jetty's selector does for its end points: the connection hears that it closed, and so
        // do its listeners (JettyConnectionMetrics counted every connection as open forever before).
        Connection http = getConnection();
        if (http != null) {
            http.onClose(failure);
        }
        onClosed.run();
    }

    @Override
    public Object getTransport() {
        return connection;
    }
}
