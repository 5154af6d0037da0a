package org.mtcp.cli.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.mtcp.cli.EventLog;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MtcpSocket;

/**
 * One relayed connection: a local TCP socket and the {@link MtcpSocket} that carries it to the
 * pool. Two pumps copy bytes, each through one bounded buffer: upstream (local to pool) on a
 * virtual thread of its own, downstream (pool to local) on the connection's thread. End of stream
 * is passed on as a half-close in each direction, so request/response protocols that half-close
 * keep working; the connection ends when both directions have ended. An error in either
 * direction aborts both.
 *
 * <p>Event lines: {@code open}, one {@code migration} (or {@code migration-failed}) per migration,
 * {@code close} (formats in {@code docs/cli.md}).
 */
final class ProxyConnection {

    private final long number;
    private final Socket local;
    private final ProxySettings settings;
    private final EventLog events;
    private final AtomicLong up = new AtomicLong();
    private final AtomicLong down = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile MtcpSocket remote;
    private volatile boolean aborted;

    ProxyConnection(long number, Socket local, ProxySettings settings, EventLog events) {
        this.number = number;
        this.local = local;
        this.settings = settings;
        this.events = events;
    }

    void run() {
        long start = System.nanoTime();
        String client = MigratoryProxy.address(local);
        MtcpSocket socket;
        try {
            local.setTcpNoDelay(true);
            socket = MtcpSocket.connect(settings.pool(), settings.options());
        } catch (IOException e) {
            events.log("refuse #" + number + " client=" + client + " reason=cannot reach the pool: "
                    + e.getMessage());
            MigratoryProxy.closeQuietly(local);
            return;
        }
        remote = socket;
        if (aborted) {
            MigratoryProxy.closeQuietly(socket);
            MigratoryProxy.closeQuietly(local);
            return;
        }
        events.log("open #" + number + " client=" + client + " cid=" + socket.id()
                + " server=" + socket.currentServer());
        socket.addMigrationListener(this::migrated);
        Thread upstream = Thread.ofVirtual().name("proxy-" + number + "-up").start(this::upstream);
        downstream();
        try {
            upstream.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
        }
        MigratoryProxy.closeQuietly(socket);
        MigratoryProxy.closeQuietly(local);
        Throwable error = failure.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        events.log("close #" + number + " cid=" + socket.id() + " up=" + up.get() + "B down=" + down.get()
                + "B migrations=" + socket.migrations() + " servers=" + socket.serversUsed()
                + String.format(java.util.Locale.ROOT, " seconds=%.3f", seconds)
                + (error == null ? "" : " error=" + describe(error)));
    }

    private void migrated(MigrationEvent e) {
        if (e.succeeded()) {
            events.log("migration #" + number + " cid=" + e.connectionId() + " from=" + e.from() + " to=" + e.to()
                    + " micros=" + e.micros() + " reason=" + e.reason());
        } else {
            events.log("migration-failed #" + number + " cid=" + e.connectionId() + " from=" + e.from()
                    + " micros=" + e.micros() + " reason=" + e.reason()
                    + (e.error().isEmpty() ? "" : " -- " + e.error()));
        }
    }

    /** Local client to pool; the client's half-close becomes a half-close on the M-TCP leg. */
    private void upstream() {
        try {
            pump(local.getInputStream(), remote.getOutputStream(), up);
            remote.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    /** Pool to local client; the end of the server's stream half-closes the local socket. */
    private void downstream() {
        try {
            pump(remote.getInputStream(), local.getOutputStream(), down);
            local.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private void pump(InputStream in, OutputStream out, AtomicLong counter) throws IOException {
        byte[] buffer = new byte[settings.bufferSize()];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (n > 0) {
                out.write(buffer, 0, n);
                out.flush();
                counter.addAndGet(n);
            }
        }
    }

    private void fail(Throwable e) {
        if (failure.compareAndSet(null, e) && !aborted) {
            abort();
        }
    }

    /** Ends both legs at once (an error, or the proxy shutting down). */
    void abort() {
        aborted = true;
        MigratoryProxy.closeQuietly(local);
        MigratoryProxy.closeQuietly(remote);
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
