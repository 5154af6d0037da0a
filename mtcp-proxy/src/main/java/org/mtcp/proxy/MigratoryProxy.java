package org.mtcp.proxy;

import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.UnavailableServers;
import org.mtcp.core.ValueSyntax;
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
 *
 * <p>The relay follows the HTTP/1.x framing of what it relays (see {@link ProxyConnection}) and
 * tells the policies where each response ends, so that {@code response-time} also moves a
 * connection whose holder stalls in the middle of a streamed response.
 */
public final class MigratoryProxy implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(MigratoryProxy.class);

    /** A migration (or failed one) of relayed connection {@code connection} (numbered from 1). */
    @FunctionalInterface
    public interface MigrationListener {
        void migrated(long connection, MigrationEvent event);
    }

    private final ServerSocket listener;
    private final EventLog events;
    private final List<MigrationListener> listeners = new CopyOnWriteArrayList<>();
    private volatile ProxySettings settings;
    private volatile Semaphore slots;
    /** Servers that refused (draining) or failed a new connection lately: tried last. */
    private volatile UnavailableServers unavailable;
    private final Set<ProxyConnection> live = ConcurrentHashMap.newKeySet();
    private final AtomicLong counter = new AtomicLong();
    private volatile boolean closed;

    private MigratoryProxy(ServerSocket listener, EventLog events) {
        this.listener = listener;
        this.events = events;
    }

    /** Binds the local listening address (port 0: any free port) and configures the proxy. */
    public static MigratoryProxy bind(InetSocketAddress listen, ProxySettings settings, EventLog events)
            throws IOException {
        MigratoryProxy proxy = bind(listen, events);
        proxy.configure(settings);
        return proxy;
    }

    /**
     * Binds the local listening address only, so that an address in use is reported at once
     * (a {@link BindException} saying so), before the pool exists; {@link #configure} before
     * {@link #serve()}. Connections wait in the backlog meanwhile.
     */
    public static MigratoryProxy bind(InetSocketAddress listen, EventLog events) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(listen, 512);
        } catch (IOException e) {
            socket.close();
            BindException b = new BindException("cannot listen on " + ValueSyntax.format(listen)
                    + " (" + e.getMessage() + ")");
            b.initCause(e);
            throw b;
        }
        return new MigratoryProxy(socket, events);
    }

    /** Sets how the pool is reached; once. */
    public synchronized void configure(ProxySettings settings) {
        if (this.settings != null) {
            throw new IllegalStateException("the proxy is configured already");
        }
        this.slots = new Semaphore(settings.maxConnections());
        this.unavailable = new UnavailableServers(settings.avoidUnavailableFor());
        this.settings = settings;
    }

    /**
     * Replaces the pool's service addresses (a reloaded pool file): new connections use
     * {@code addresses}; relayed ones keep their server and learn the pool from it.
     */
    public synchronized void updatePool(List<InetSocketAddress> addresses) {
        if (settings == null) {
            throw new IllegalStateException("the proxy is not configured");
        }
        settings = settings.withPool(addresses);
    }

    /** The pool's service addresses new connections use. */
    public List<InetSocketAddress> pool() {
        ProxySettings current = settings;
        return current == null ? List.of() : current.pool();
    }

    /** The servers new connections try last now (draining or unreachable lately). */
    public UnavailableServers unavailableServers() {
        return unavailable;
    }

    /** {@code listener} hears of every migration of every relayed connection, after the event line. */
    public void addMigrationListener(MigrationListener listener) {
        listeners.add(listener);
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
        Semaphore slots = this.slots;
        if (settings == null) {
            throw new IllegalStateException("the proxy is not configured");
        }
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
            ProxySettings settings = this.settings; // the pool may be updated meanwhile
            if (!slots.tryAcquire()) {
                events.log("reject #" + number + " client=" + address(local)
                        + " reason=more than " + settings.maxConnections() + " connections");
                closeQuietly(local);
                continue;
            }
            ProxyConnection connection = new ProxyConnection(number, local, settings, unavailable, events, listeners);
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

    /**
     * Aborts every connection relayed now, as a network failure would (the demo's "drop"); keeps
     * accepting new ones.
     */
    public void abortConnections() {
        for (ProxyConnection connection : live) {
            connection.abort();
        }
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
        return a == null ? "?" : ValueSyntax.format(a);
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
