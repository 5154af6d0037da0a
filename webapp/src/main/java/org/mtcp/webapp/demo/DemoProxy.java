package org.mtcp.webapp.demo;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MtcpSocket;

/**
 * The demo's client-side proxy: every TCP connection the browser opens becomes one
 * {@link MtcpSocket} to the pool, and bytes are relayed both ways (half-closes passed on). The
 * browser is an unmodified HTTP client; the M-TCP leg moves between front-ends as the client
 * policies decide.
 *
 * <p>This is the relay of {@code ./mtcp proxy} ({@code org.mtcp.cli.proxy.MigratoryProxy}) cut
 * down to what the demo needs (here because mtcp-cli depends on this module, not the other way
 * round), plus one thing that proxy does not do: it follows the HTTP framing of the responses
 * ({@link HttpResponseFraming}) and tells each connection's {@link StreamingResponseTimePolicy}
 * where they end, so that a front-end slowed down in the middle of a streamed batch response
 * loses the connection. It also keeps the migrations it saw ({@link #migrations()}), which the
 * demo prints and the browser test compares with what the page shows.
 */
final class DemoProxy implements Closeable {

    /** A migration of one relayed connection ({@code connection} numbers them from 1). */
    record Migration(long connection, MigrationEvent event) {}

    private final ServerSocket listener;
    private final ClientOptions options;
    private final Duration responseTime;
    private final Consumer<String> events;
    private final AtomicLong counter = new AtomicLong();
    private final Set<Closeable> live = ConcurrentHashMap.newKeySet();
    private final List<Migration> migrations = new CopyOnWriteArrayList<>();
    private volatile List<InetSocketAddress> pool;
    private volatile boolean closed;

    private DemoProxy(ServerSocket listener, ClientOptions options, Duration responseTime, Consumer<String> events) {
        this.listener = listener;
        this.options = options;
        this.responseTime = responseTime;
        this.events = events;
    }

    /**
     * Binds {@code listen} (port 0: a free port) before anything else starts, so that a port in
     * use is reported at once: a {@link BindException} that says so. Every connection will get
     * {@code options} plus its own streaming response-time policy with threshold {@code responseTime}.
     * Nothing is accepted before {@link #start}.
     */
    static DemoProxy bind(InetSocketAddress listen, ClientOptions options, Duration responseTime, Consumer<String> events)
            throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(listen, 128);
        } catch (IOException e) {
            socket.close();
            BindException b = new BindException("cannot listen on " + listen.getHostString() + ":" + listen.getPort()
                    + " (" + e.getMessage() + ")");
            b.initCause(e);
            throw b;
        }
        return new DemoProxy(socket, options, responseTime, events);
    }

    /** Starts relaying the browser's connections to {@code pool} (service addresses, tried in order). */
    void start(List<InetSocketAddress> pool) {
        this.pool = List.copyOf(pool);
        Thread.ofPlatform().name("demo-proxy-accept").daemon().start(this::acceptLoop);
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Every migration seen so far, in order. */
    List<Migration> migrations() {
        return List.copyOf(migrations);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket local;
            try {
                local = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    events.accept("proxy accept failed: " + e.getMessage());
                }
                return;
            }
            long number = counter.incrementAndGet();
            Thread.ofVirtual().name("demo-proxy-" + number).start(() -> relay(number, local));
        }
    }

    private void relay(long number, Socket local) {
        live.add(local);
        MtcpSocket remote = null;
        try {
            local.setTcpNoDelay(true);
            StreamingResponseTimePolicy policy = new StreamingResponseTimePolicy(responseTime);
            try {
                remote = MtcpSocket.connect(pool, options.withPolicies(List.of(() -> policy)));
            } catch (IOException e) {
                events.accept("proxy #" + number + " cannot reach the pool: " + e.getMessage());
                return;
            }
            live.add(remote);
            if (closed) {
                return;
            }
            MtcpSocket r = remote;
            r.addMigrationListener(e -> migrated(number, e));
            Thread up = Thread.ofVirtual().name("demo-proxy-" + number + "-up").start(() -> {
                try {
                    pump(local.getInputStream(), r.getOutputStream());
                    r.shutdownOutput();
                } catch (IOException | RuntimeException e) {
                    closeQuietly(local);
                    closeQuietly(r);
                }
            });
            try {
                HttpResponseFraming framing = new HttpResponseFraming();
                pumpResponses(r.getInputStream(), local.getOutputStream(), framing, policy);
                local.shutdownOutput();
            } catch (IOException | RuntimeException e) {
                closeQuietly(local);
                closeQuietly(r);
            }
            up.join();
        } catch (IOException e) {
            // setTcpNoDelay on a socket the browser already closed: nothing to relay
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(remote);
            closeQuietly(local);
            live.remove(local);
            if (remote != null) {
                live.remove(remote);
            }
        }
    }

    private void migrated(long number, MigrationEvent e) {
        if (e.succeeded()) {
            migrations.add(new Migration(number, e));
            events.accept("migration #" + number + " cid=" + e.connectionId() + " from=" + e.from() + " to=" + e.to()
                    + " micros=" + e.micros() + " reason=" + e.reason());
        } else {
            events.accept("migration-failed #" + number + " cid=" + e.connectionId() + " from=" + e.from()
                    + " reason=" + e.reason());
        }
    }

    /**
     * Pool to browser: the bytes pass unchanged; the framing sees them first, so the policy knows
     * a response is complete before the browser can send its next request.
     */
    private static void pumpResponses(InputStream in, OutputStream out, HttpResponseFraming framing,
            StreamingResponseTimePolicy policy) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (n > 0) {
                if (!framing.lost()) {
                    int completed = framing.feed(buffer, 0, n);
                    if (framing.lost()) {
                        policy.framingLost();
                    } else if (completed > 0) {
                        policy.responseComplete();
                    }
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        }
    }

    private static void pump(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (n > 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        }
    }

    /** Ends every relayed connection now, as a network failure would; keeps accepting new ones. */
    void dropConnections() {
        for (Closeable c : live) {
            closeQuietly(c);
        }
    }

    /** Stops listening and ends every relayed connection. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        for (Closeable c : live) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(Closeable c) {
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
