package org.mtcp.cli.proxy;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.mtcp.cli.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-side proxy that gives unmodified TCP clients (curl, browsers) migration: every
 * local TCP connection it accepts becomes one {@link org.mtcp.core.MtcpSocket} to the pool, and
 * a {@link ProxyConnection} relays the bytes both ways. The local leg never sees a migration;
 * the M-TCP leg moves between servers as its policies decide.
 *
 * <p>The proxy is a pure client of the pool: it needs the servers' service addresses, never the
 * pool secret. One virtual thread per direction and connection; each direction has one bounded
 * buffer, and the transport bounds what it keeps for retransmission, so memory is bounded by the
 * connection limit.
 */
public final class MigratoryProxy implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(MigratoryProxy.class);

    private final ServerSocket listener;
    private final ProxySettings settings;
    private final EventLog events;
    private final Semaphore slots;
    private final Set<ProxyConnection> live = ConcurrentHashMap.newKeySet();
    private final AtomicLong counter = new AtomicLong();
    private volatile boolean closed;

    private MigratoryProxy(ServerSocket listener, ProxySettings settings, EventLog events) {
        this.listener = listener;
        this.settings = settings;
        this.events = events;
        this.slots = new Semaphore(settings.maxConnections());
    }

    /** Binds the local listening address (port 0: any free port). */
    public static MigratoryProxy bind(InetSocketAddress listen, ProxySettings settings, EventLog events)
            throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(listen, 512);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        return new MigratoryProxy(socket, settings, events);
    }

    /** The bound local address. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Local connections being relayed now. */
    public int liveConnections() {
        return live.size();
    }

    /** Accepts and relays connections until {@link #close()}. */
    public void serve() throws IOException {
        while (!closed) {
            Socket local;
            try {
                local = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                throw e;
            }
            long number = counter.incrementAndGet();
            if (!slots.tryAcquire()) {
                events.log("reject #" + number + " client=" + address(local)
                        + " reason=more than " + settings.maxConnections() + " connections");
                closeQuietly(local);
                continue;
            }
            ProxyConnection connection = new ProxyConnection(number, local, settings, events);
            live.add(connection);
            Thread.ofVirtual().name("proxy-" + number).start(() -> {
                try {
                    connection.run();
                } catch (RuntimeException e) {
                    LOG.warn("proxy connection #{} failed", number, e);
                } finally {
                    live.remove(connection);
                    slots.release();
                }
            });
        }
    }

    /** Starts {@link #serve()} on a thread of its own (tests, embedding). */
    public Thread serveInBackground() {
        return Thread.ofPlatform().name("proxy-accept").daemon().start(() -> {
            try {
                serve();
            } catch (IOException e) {
                LOG.error("proxy accept loop failed", e);
            }
        });
    }

    /** Stops listening and aborts every relayed connection. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        for (ProxyConnection connection : live) {
            connection.abort();
        }
    }

    static String address(Socket socket) {
        InetSocketAddress a = (InetSocketAddress) socket.getRemoteSocketAddress();
        return a == null ? "?" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // nothing more to do
        }
    }
}
