package org.mtcp.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MtcpSocket;
import org.mtcp.core.UnavailableServers;
import org.mtcp.core.policy.ResponseSignal;
import org.mtcp.http.ResponseStreamFraming;

/**
 * One relayed connection: a local TCP socket and the {@link MtcpSocket} that carries it to the
 * pool. Two pumps copy bytes, each through one bounded buffer: upstream (local to pool) on a
 * virtual thread of its own, downstream (pool to local) on the connection's thread (each buffer
 * is 512 bytes while the connection is idle and grows with the traffic). End of stream
 * is passed on as a half-close in each direction, so request/response protocols that half-close
 * keep working; the connection ends when both directions have ended. An error in either
 * direction aborts both.
 *
 * <p>The pumps also follow the HTTP framing ({@link ResponseStreamFraming}, {@link HttpRequestWatch})
 * and tell the M-TCP leg's policies where each response ends ({@link ResponseSignal}), so that
 * {@code response-time} also times the gaps inside a streamed response. The bytes pass unchanged;
 * for anything but HTTP/1.x (or once a response cannot be delimited) the framing is given up and
 * the policies are told so.
 *
 * <p>Event lines: {@code open}, one {@code migration} (or {@code migration-failed}) per migration,
 * {@code close} (formats in {@code docs/cli.md}).
 */
final class ProxyConnection {

    private final long number;
    private final Socket local;
    private final ProxySettings settings;
    private final EventLog events;
    private final List<MigratoryProxy.MigrationListener> listeners;
    private final ResponseStreamFraming framing = new ResponseStreamFraming();
    private final HttpRequestWatch requests = new HttpRequestWatch();
    private volatile boolean framed = true;
    private final AtomicLong up = new AtomicLong();
    private final AtomicLong down = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final UnavailableServers unavailable;
    private volatile MtcpSocket remote;
    private volatile boolean aborted;

    ProxyConnection(long number, Socket local, ProxySettings settings, UnavailableServers unavailable,
            EventLog events, List<MigratoryProxy.MigrationListener> listeners) {
        this.number = number;
        this.unavailable = unavailable;
        this.local = local;
        this.settings = settings;
        this.events = events;
        this.listeners = listeners;
    }

    void run() {
        long start = System.nanoTime();
        String client = MigratoryProxy.address(local);
        MtcpSocket socket;
        try {
            local.setTcpNoDelay(true);
            socket = MtcpSocket.connect(settings.pool(), settings.options(), unavailable);
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
        socket.signalResponse(ResponseSignal.FRAMED);   // before the first byte of a request or response
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
        for (MigratoryProxy.MigrationListener l : listeners) {
            l.migrated(number, e);
        }
    }

    /** Local client to pool; the client's half-close becomes a half-close on the M-TCP leg. */
    private void upstream() {
        try {
            pump(local.getInputStream(), remote.getOutputStream(), up, true);
            remote.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    /** Pool to local client; the end of the server's stream half-closes the local socket. */
    private void downstream() {
        try {
            pump(remote.getInputStream(), local.getOutputStream(), down, false);
            local.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private void pump(InputStream in, OutputStream out, AtomicLong counter, boolean requests) throws IOException {
        ReadBuffer reads = new ReadBuffer(settings.bufferSize()); // small while the connection is idle
        int n;
        while ((n = reads.readFrom(in)) >= 0) {
            byte[] buffer = reads.array();
            if (n > 0) {
                int requestsEnded = 0;
                if (framed) {
                    // before the bytes go on: the policy knows a response is complete before the
                    // client can send its next request, and of a HEAD before its response comes
                    if (requests) {
                        requestsEnded = this.requests.feed(buffer, 0, n);
                    }
                    if (requests ? this.requests.givenUp() : responses(buffer, n)) {
                        framed = false;
                        remote.signalResponse(ResponseSignal.LOST);
                    }
                }
                out.write(buffer, 0, n);
                out.flush();
                counter.addAndGet(n);
                // after them: a request is awaited from its last byte on, never while the client
                // is still sending it
                for (int i = 0; i < requestsEnded && framed; i++) {
                    remote.signalResponse(ResponseSignal.REQUEST_SENT);
                }
            }
        }
    }

    /** Feeds the response framing; true if it is lost (signals each completed response). */
    private boolean responses(byte[] buffer, int n) {
        int completed = framing.feed(buffer, 0, n);
        if (framing.lost()) {
            return true;
        }
        if (completed > 0) {
            remote.signalResponse(ResponseSignal.COMPLETE);
        }
        return false;
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
