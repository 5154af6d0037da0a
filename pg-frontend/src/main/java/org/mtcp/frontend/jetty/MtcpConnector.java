package org.mtcp.frontend.jetty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.MtcpServerConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jetty connector whose connections are migratory: its acceptor takes new <em>and migrated</em>
 * connections from an {@link MtcpServer} (paper section 3.1.2: the same code on every server).
 *
 * <p>What happens to an accepted connection is the {@link AcceptHandler}'s decision, taken on a
 * virtual thread of its own: a new connection, or one whose snapshot says "between requests",
 * goes straight to Jetty through {@link #open}; one that migrated in the middle of a response is
 * first resumed by the application, which writes the rest of the response itself and then hands
 * the connection to a fresh Jetty {@code HttpConnection} (or closes it).
 *
 * <p>The connector owns the {@link MtcpServer}: stopping the connector closes it.
 */
public final class MtcpConnector extends AbstractConnector {

    private static final Logger LOG = LoggerFactory.getLogger(MtcpConnector.class);

    /** Decides, per accepted connection, whether to open it for Jetty or resume it first. */
    @FunctionalInterface
    public interface AcceptHandler {
        void accepted(MtcpServerConnection connection, MtcpConnector connector) throws Exception;
    }

    /** Maximum bytes of one request queued between the transport and Jetty. */
    public static final int DEFAULT_MAX_QUEUED = 64 * 1024;

    /** Where connections come from: an {@link MtcpServer}, or a stand-in in unit tests. */
    public interface ConnectionSource {
        MtcpServerConnection accept() throws IOException;

        InetSocketAddress address();

        void close();

        /** Whether it was closed (a drain ends by closing it before Jetty stops). */
        boolean isClosed();

        static ConnectionSource of(MtcpServer server) {
            return new ConnectionSource() {
                @Override
                public MtcpServerConnection accept() throws IOException {
                    return server.accept();
                }

                @Override
                public InetSocketAddress address() {
                    return server.serviceAddress();
                }

                @Override
                public void close() {
                    server.close();
                }

                @Override
                public boolean isClosed() {
                    return server.isClosed();
                }
            };
        }
    }

    private final ConnectionSource mtcp;
    private volatile boolean closing;
    private volatile AcceptHandler acceptHandler = (c, connector) -> connector.open(c, null);

    public MtcpConnector(Server server, MtcpServer mtcp, ConnectionFactory... factories) {
        this(server, ConnectionSource.of(mtcp), factories);
    }

    public MtcpConnector(Server server, ConnectionSource mtcp, ConnectionFactory... factories) {
        super(server, null, null, null, 1, factories);
        this.mtcp = Objects.requireNonNull(mtcp);
        setIdleTimeout(30_000);
    }

    public void setAcceptHandler(AcceptHandler handler) {
        this.acceptHandler = Objects.requireNonNull(handler);
    }

    @Override
    public Object getTransport() {
        return mtcp;
    }

    @Override
    protected void accept(int acceptorID) throws IOException {
        MtcpServerConnection connection = mtcp.accept();
        Thread.ofVirtual().name("mtcp-accept-" + connection.id() + "@" + connection.epoch()).start(() -> {
            try {
                acceptHandler.accepted(connection, this);
            } catch (Throwable e) {
                if (e instanceof org.mtcp.core.MigratedException) {
                    LOG.debug("connection {} moved away while being accepted", connection.id());
                } else if (e instanceof IOException) {
                    // the connection broke or was reset, the database is gone...: the message says it all
                    LOG.warn("connection {} epoch {}: dropped: {}", connection.id(), connection.epoch(), e.toString());
                } else {
                    LOG.warn("connection {} epoch {}: dropped: {}", connection.id(), connection.epoch(), e.toString(), e);
                }
                try {
                    connection.close();
                } catch (IOException | RuntimeException ignored) {
                    // nothing more to do
                }
            }
        });
    }

    /**
     * Gives {@code connection} to a fresh Jetty connection (HTTP/1.1 from the default factory):
     * Jetty reads its next request from the transport's current read position.
     */
    public MtcpEndPoint open(MtcpServerConnection connection, Object attachment) throws IOException {
        return open(connection, attachment, null);
    }

    /**
     * As {@link #open(MtcpServerConnection, Object)}, but Jetty first reads {@code request} (a
     * complete request without a body, replayed from a snapshot), then the transport's bytes.
     */
    public MtcpEndPoint open(MtcpServerConnection connection, Object attachment, byte[] request) throws IOException {
        MtcpEndPoint[] holder = new MtcpEndPoint[1];
        MtcpEndPoint endPoint = new MtcpEndPoint(getScheduler(), connection, getExecutor(), localAddress(),
                DEFAULT_MAX_QUEUED, () -> onEndPointClosed(holder[0]), request);
        holder[0] = endPoint;
        endPoint.attach(attachment);
        endPoint.setIdleTimeout(getIdleTimeout());
        Connection http = getDefaultConnectionFactory().newConnection(this, endPoint);
        endPoint.setConnection(http);
        endPoint.onOpen();
        onEndPointOpened(endPoint);
        http.onOpen();
        endPoint.startReading();
        return endPoint;
    }

    private InetSocketAddress localAddress() {
        try {
            return mtcp.address();
        } catch (RuntimeException e) {
            return InetSocketAddress.createUnresolved("mtcp", 0);
        }
    }

    @Override
    protected boolean handleAcceptFailure(Throwable failure) {
        if (closing || isShutdown() || !isRunning() || mtcp.isClosed()) {
            // stopping, or the transport was closed first (a drain ends so): the acceptor ends
            // quietly instead of Jetty's "Accept Failure" warning once a second until it stops
            return false;
        }
        if (failure instanceof java.io.InterruptedIOException) {
            return true;
        }
        return super.handleAcceptFailure(failure);
    }

    @Override
    protected void doStop() throws Exception {
        closing = true;
        try {
            mtcp.close();
        } catch (RuntimeException e) {
            LOG.debug("closing the M-TCP server", e);
        }
        super.doStop();
    }
}
