package org.mtcp.core.internal.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.tls.TlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An idle, authenticated TCP connection (TLS when the client uses TLS) to the server the next migration would go to
 * (docs/protocol.md, "Standby link"): opened with HELLO{standby, id, epoch, certificate}, which
 * the server verifies without taking anything over, and kept alive with PING/PONG. A migration
 * to that server sends its HELLO{migrate} here: no TCP handshake on the migration's path.
 *
 * <p>Used by one thread at a time: the {@link Keeper}'s (opening, pinging) or the migrating
 * one's, which {@link #take}s it only while no PING is in flight, so that the next frame on it
 * is the answer to its HELLO.
 */
final class StandbyLink {

    private static final Logger LOG = LoggerFactory.getLogger(StandbyLink.class);

    final String server;
    final Socket socket;
    final FrameReader<Frame> reader;
    private final OutputStream out;
    private final ReentrantLock use = new ReentrantLock();
    // Guarded by use.
    private boolean taken;

    private StandbyLink(String server, Socket socket, FrameReader<Frame> reader) throws IOException {
        this.server = server;
        this.socket = socket;
        this.reader = reader;
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to {@code address} and sends HELLO{standby} and a PING in one write; the PONG says
     * the server accepted the link (a refusal comes back as RESET).
     */
    static StandbyLink open(String server, InetSocketAddress address, Frame.Hello hello, TlsConfig tls,
            int timeoutMillis, int maxFrameSize) throws IOException {
        // TCP and TLS handshakes now, off the migration's path: a migration over this link pays
        // neither.
        Socket s = Handshake.connect(address, tls, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
        try {
            s.setSoTimeout(timeoutMillis);
            StandbyLink link = new StandbyLink(server, s,
                    new FrameReader<>(s.getInputStream(), new FrameDecoder(maxFrameSize)));
            byte[] h = FrameEncoder.encode(hello);
            byte[] p = FrameEncoder.encode(new Frame.Ping(System.nanoTime()));
            byte[] both = new byte[h.length + p.length];
            System.arraycopy(h, 0, both, 0, h.length);
            System.arraycopy(p, 0, both, h.length, p.length);
            link.out.write(both);
            link.awaitPong();
            return link;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void awaitPong() throws IOException {
        Frame f = reader.read();
        if (f == null) {
            throw new EOFException("the server closed the standby link");
        }
        if (f instanceof Frame.Reset r) {
            throw new RefusedException(r.code(), r.message(), r.hint());
        }
        if (!(f instanceof Frame.Pong)) {
            throw new ProtocolException("expected PONG on the standby link, got " + f.type());
        }
    }

    /** A keepalive: PING, then its PONG (timeout: the socket's). False: taken meanwhile. */
    boolean ping() throws IOException {
        if (!use.tryLock()) {
            return false; // a migration is using it
        }
        try {
            if (taken) {
                return false;
            }
            out.write(FrameEncoder.encode(new Frame.Ping(System.nanoTime())));
            awaitPong();
            return true;
        } finally {
            use.unlock();
        }
    }

    /** Hands the link to a migration, unless a keepalive is in flight on it right now. */
    boolean take() {
        if (!use.tryLock()) {
            return false;
        }
        try {
            if (taken) {
                return false;
            }
            taken = true;
            return true;
        } finally {
            use.unlock();
        }
    }

    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing an idle link
        }
    }

    /**
     * Keeps one standby link open to the connection's next migration target, on a virtual thread
     * of its own (opening a link may take up to the connect timeout, which must not delay the
     * supervisor's decisions): reopens it when the target changes ({@link #renew}, called when
     * the holder or the pool changes), when it breaks, and when a migration used it; pings it at
     * the client's idle keepalive interval (the server's silence bound for it is that times its
     * missed keepalives). A failed open is retried after that interval.
     */
    static final class Keeper {
        private final ClientConnection conn;
        private final ClientOptions options;
        private final Supplier<String> nextTarget;
        private final long pingNanos;
        private final int timeoutMillis;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition wake = lock.newCondition();
        private final AtomicInteger opened = new AtomicInteger();
        private final AtomicInteger used = new AtomicInteger();
        // Guarded by lock.
        private StandbyLink link;
        private boolean renew = true;
        private boolean closed;
        private long nextPingAt;
        private long retryAt;

        Keeper(ClientConnection conn, ClientOptions options, Supplier<String> nextTarget) {
            this.conn = conn;
            this.options = options;
            this.nextTarget = nextTarget;
            this.pingNanos = TimeUnit.MILLISECONDS.toNanos(ClientConnector.keepaliveMillis(options));
            this.timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
            this.retryAt = System.nanoTime();
            this.nextPingAt = retryAt;
        }

        void start() {
            Threads.start("mtcp-client-standby-" + conn.id(), this::run);
        }

        /** The holder or the pool changed: the next target may have too. */
        void renew() {
            lock.lock();
            try {
                renew = true;
                wake.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /**
         * The standby link to {@code server} for a migration, or null when there is none (or a
         * keepalive is in flight on it). The keeper opens the next one when told to renew.
         */
        StandbyLink take(String server) {
            lock.lock();
            try {
                StandbyLink l = link;
                if (l == null || !l.server.equals(server) || !l.take()) {
                    return null;
                }
                link = null;
                used.incrementAndGet();
                return l;
            } finally {
                lock.unlock();
            }
        }

        /** Links opened so far (tests). */
        int opened() {
            return opened.get();
        }

        /** Migrations that used a standby link (tests). */
        int used() {
            return used.get();
        }

        /** The server the standby link is open to now, or null (tests). */
        String target() {
            lock.lock();
            try {
                return link == null ? null : link.server;
            } finally {
                lock.unlock();
            }
        }

        void close() {
            StandbyLink l;
            lock.lock();
            try {
                closed = true;
                l = link;
                link = null;
                wake.signalAll();
            } finally {
                lock.unlock();
            }
            if (l != null) {
                l.close();
            }
        }

        private void run() {
            while (true) {
                StandbyLink current;
                boolean pingDue;
                lock.lock();
                try {
                    long now = System.nanoTime();
                    while (!closed && !renew) {
                        long until = link != null ? nextPingAt : retryAt;
                        if (now - until >= 0) {
                            break; // a keepalive is due, or another try
                        }
                        wake.awaitNanos(until - now);
                        now = System.nanoTime();
                    }
                    if (closed) {
                        return;
                    }
                    renew = false;
                    current = link;
                    pingDue = current != null && now - nextPingAt >= 0;
                } catch (InterruptedException e) {
                    return;
                } finally {
                    lock.unlock();
                }
                if (conn.isOver()) {
                    close();
                    return;
                }
                String target = nextTarget.get();
                if (current != null && (target == null || !current.server.equals(target))) {
                    discard(current);
                    current = null;
                }
                if (current != null && pingDue) {
                    try {
                        current.ping();
                        schedulePing();
                    } catch (IOException e) {
                        LOG.debug("connection {}: standby link to {} lost: {}", conn.id(), current.server, e.toString());
                        discard(current);
                        current = null;
                    }
                }
                if (current == null && readyToRetry()) {
                    if (target == null) {
                        retryLater(); // no other server: wait for the pool to change
                    } else {
                        open(target);
                    }
                }
            }
        }

        private boolean readyToRetry() {
            lock.lock();
            try {
                return link == null && System.nanoTime() - retryAt >= 0;
            } finally {
                lock.unlock();
            }
        }

        private void retryLater() {
            lock.lock();
            try {
                retryAt = System.nanoTime() + pingNanos;
            } finally {
                lock.unlock();
            }
        }

        private void schedulePing() {
            lock.lock();
            try {
                nextPingAt = System.nanoTime() + pingNanos;
            } finally {
                lock.unlock();
            }
        }

        private void discard(StandbyLink l) {
            lock.lock();
            try {
                if (link == l) {
                    link = null;
                }
            } finally {
                lock.unlock();
            }
            l.close();
        }

        private void open(String target) {
            InetSocketAddress address = conn.addressOf(target);
            Frame.Hello hello = conn.standbyHello();
            StandbyLink l = null;
            try {
                if (address == null || hello == null) {
                    return;
                }
                l = StandbyLink.open(target, address, hello, options.tls(), timeoutMillis, options.maxFrameSize());
                l.socket.setSoTimeout(timeoutMillis); // bounds a keepalive's PONG, not idleness
            } catch (IOException e) {
                LOG.debug("connection {}: no standby link to {}: {}", conn.id(), target, e.toString());
                retryLater();
                return;
            } finally {
                if (l == null) {
                    retryLater(); // unknown target, or the connection has no certificate yet
                }
            }
            opened.incrementAndGet();
            lock.lock();
            try {
                if (!closed && link == null) {
                    link = l;
                    nextPingAt = System.nanoTime() + pingNanos;
                    l = null;
                }
            } finally {
                lock.unlock();
            }
            if (l != null) {
                l.close(); // closed, or raced with another open: not needed
            }
        }
    }
}
