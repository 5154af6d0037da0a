package org.mtcp.testkit;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A user-space TCP relay on loopback, for fault and delay tests (we have no netem): clients
 * connect to {@link #address()}, each connection is relayed to the target.
 *
 * <ul>
 * <li>{@link #setDelay}: a fixed one-way delay per direction. Each chunk read is stamped and
 *     written when its time comes, so the delay adds latency without limiting throughput
 *     (a queue per direction, no reordering). With {@code chargeHandshake}, a new connection
 *     also pays TCP's handshake: the loopback connect completes at once, so the client's first
 *     bytes are held until one RTT after the accept (when a real connect would return), then
 *     delayed one way: the first byte reaches the target 1.5 RTT after the connect began, as
 *     with real TCP. The target's bytes leave no earlier than when the handshake's last ACK
 *     would reach it (1.5 RTT). Without it the connect is free.</li>
 * <li>{@link #resetAll()}: aborts every relayed connection with a TCP reset on both sides.</li>
 * <li>{@link #closeAll()}: ends every relayed connection with a normal FIN on both sides
 *     (an "EOF without CLOSE" for an M-TCP peer).</li>
 * <li>{@link #setBlackhole}: bytes are read and dropped in both directions, the sockets stay
 *     open: a silent path, detected only by keepalives.</li>
 * <li>{@link #setRefuse}: new connections are accepted and reset at once.</li>
 * <li>{@link #setForwardLimit}: at most so many bytes are delivered per direction and connection;
 *     the rest is held (not lost) until the limit is raised. Cuts a frame in half at a chosen
 *     byte, deterministically.</li>
 * </ul>
 */
public final class TcpProxy implements Closeable {

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong deliveredUp = new AtomicLong();
    private final AtomicLong deliveredDown = new AtomicLong();
    private final AtomicLong readUp = new AtomicLong();
    /** The last {@link #MAX_TRACES} connections' schedules (a long-running relay keeps no more). */
    private final ArrayDeque<Trace> traces = new ArrayDeque<>();
    private static final int MAX_TRACES = 256;
    private volatile long upDelayNanos;
    private volatile long downDelayNanos;
    private volatile boolean chargeHandshake;
    private volatile boolean blackhole;
    private volatile boolean refuse;
    private volatile boolean closed;
    private volatile long upLimit = Long.MAX_VALUE;
    private volatile long downLimit = Long.MAX_VALUE;

    private TcpProxy(ServerSocket listener, InetSocketAddress target) {
        this.listener = listener;
        this.target = target;
    }

    /** Starts relaying from a free loopback port to {@code target}. */
    public static TcpProxy start(InetSocketAddress target) throws IOException {
        ServerSocket l = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        TcpProxy p = new TcpProxy(l, target);
        Thread.ofVirtual().name("proxy-accept").start(p::acceptLoop);
        return p;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /**
     * @param clientToServer delay of every byte from the connecting side to the target
     * @param serverToClient delay of every byte from the target back
     */
    public void setDelay(Duration clientToServer, Duration serverToClient) {
        setDelay(clientToServer, serverToClient, false);
    }

    /**
     * @param chargeHandshake whether connections accepted from now on pay the TCP handshake's
     *     round trip ({@code clientToServer + serverToClient}) before their first byte moves
     */
    public void setDelay(Duration clientToServer, Duration serverToClient, boolean chargeHandshake) {
        upDelayNanos = clientToServer.toNanos();
        downDelayNanos = serverToClient.toNanos();
        this.chargeHandshake = chargeHandshake;
    }

    /**
     * One relayed connection's schedule, in {@link System#nanoTime()}: when it was accepted,
     * until when its bytes are held for the handshake each way, and when its first byte was
     * written to the target (0 while none was).
     */
    public static final class Trace {
        public final long acceptedAt;
        public final long upHeldUntil;
        public final long downHeldUntil;
        private volatile long firstUpForwardedAt;

        Trace(long acceptedAt, long upHeldUntil, long downHeldUntil) {
            this.acceptedAt = acceptedAt;
            this.upHeldUntil = upHeldUntil;
            this.downHeldUntil = downHeldUntil;
        }

        public long firstUpForwardedAt() {
            return firstUpForwardedAt;
        }
    }

    /** The connections relayed lately (the last 256), in accept order. */
    public List<Trace> traces() {
        synchronized (traces) {
            return List.copyOf(traces);
        }
    }

    /** Bytes read from connecting clients so far (forwarded or still held). */
    public long readFromClients() {
        return readUp.get();
    }

    /** Bytes delivered so far, over all connections, client to server or back. */
    public long delivered(boolean clientToServer) {
        return (clientToServer ? deliveredUp : deliveredDown).get();
    }

    /** Delivers at most {@code clientToServer} / {@code serverToClient} bytes per connection. */
    public void setForwardLimit(long clientToServer, long serverToClient) {
        upLimit = clientToServer;
        downLimit = serverToClient;
    }

    public void setBlackhole(boolean on) {
        blackhole = on;
    }

    public void setRefuse(boolean on) {
        refuse = on;
    }

    /**
     * Resets the connections open now. A snapshot: a connection the client opens while this runs
     * (its reconnect after the first reset) is not reset too (ClientPresenceTest saw that once).
     */
    public void resetAll() {
        for (Socket s : java.util.List.copyOf(sockets)) {
            reset(s);
        }
    }

    /** Closes the connections open now (a snapshot, as {@link #resetAll}). */
    public void closeAll() {
        for (Socket s : java.util.List.copyOf(sockets)) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            long at = System.nanoTime();
            accepted.incrementAndGet();
            if (refuse) {
                reset(client);
                continue;
            }
            long up = upDelayNanos;
            long rtt = chargeHandshake ? up + downDelayNanos : 0;
            // The client's connect returns after one RTT, its ACK (and first data) reach the
            // target half an RTT later: only then may either side's bytes move.
            Trace trace = new Trace(at, at + rtt, at + (chargeHandshake ? rtt + up : 0));
            synchronized (traces) {
                if (traces.size() == MAX_TRACES) {
                    traces.removeFirst();
                }
                traces.addLast(trace);
            }
            Thread.ofVirtual().name("proxy-connect").start(() -> relay(client, trace));
        }
    }

    private void relay(Socket client, Trace trace) {
        Socket server = new Socket();
        try {
            server.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
            server.connect(new InetSocketAddress(target.getHostString(), target.getPort()), 5000);
        } catch (IOException e) {
            reset(client);
            closeQuietly(server);
            return;
        }
        sockets.add(client);
        sockets.add(server);
        if (refuse) {
            // accepted just before setRefuse, connected after resetAll went over the sockets: a
            // cut path lets nothing through, so this connection is reset like the others
            reset(client);
            reset(server);
            return;
        }
        Thread.ofVirtual().name("proxy-up").start(() -> pump(client, server, true, trace));
        Thread.ofVirtual().name("proxy-down").start(() -> pump(server, client, false, trace));
    }

    private record Chunk(long due, byte[] bytes, int len) {}

    private static final Chunk EOF = new Chunk(0, null, -1);

    private void pump(Socket from, Socket to, boolean up, Trace trace) {
        long heldUntil = up ? trace.upHeldUntil : trace.downHeldUntil;
        LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        long[] delivered = {0};
        Thread writer = Thread.ofVirtual().name("proxy-write").start(() -> {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk c = queue.take();
                    if (c == EOF) {
                        to.shutdownOutput();
                        return;
                    }
                    long wait;
                    while ((wait = c.due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait); // the relay's own schedule, not a test wait
                    }
                    int off = 0;
                    while (off < c.len) {
                        long allowed = (up ? upLimit : downLimit) - delivered[0];
                        if (allowed <= 0) {
                            LockSupport.parkNanos(1_000_000); // held until the limit is raised
                            if (to.isClosed()) {
                                return;
                            }
                            continue;
                        }
                        int n = (int) Math.min(allowed, c.len - off);
                        out.write(c.bytes, off, n);
                        out.flush();
                        if (up && trace.firstUpForwardedAt == 0) {
                            trace.firstUpForwardedAt = System.nanoTime();
                        }
                        off += n;
                        delivered[0] += n;
                        (up ? deliveredUp : deliveredDown).addAndGet(n);
                    }
                }
            } catch (IOException | InterruptedException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
        try {
            InputStream in = from.getInputStream();
            while (true) {
                byte[] buf = new byte[16 * 1024];
                int n = in.read(buf);
                if (n < 0) {
                    queue.add(EOF);
                    break;
                }
                if (up) {
                    readUp.addAndGet(n);
                }
                if (blackhole) {
                    continue;
                }
                long sent = Math.max(System.nanoTime(), heldUntil); // not before the handshake is done
                queue.add(new Chunk(sent + (up ? upDelayNanos : downDelayNanos), buf, n));
            }
        } catch (IOException e) {
            writer.interrupt();
            closeQuietly(to);
        }
        sockets.remove(from);
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0); // close with RST
        } catch (IOException ignored) {
            // may already be closed
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        resetAll();
    }
}
