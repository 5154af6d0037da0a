package org.mtcp.core.internal.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.UnavailableServers;
import org.mtcp.core.ValueSyntax;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.ConnectionResetException;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MigrationListener;
import org.mtcp.core.internal.OffsetBuffer;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.policy.HolderFailurePolicy;
import org.mtcp.core.policy.MigrationPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client end of a logical connection (behind {@link org.mtcp.core.MtcpSocket}).
 *
 * <h2>State</h2>
 * Outbound: {@code outBuf} holds {@code [acked, sent)}, every byte the application wrote that
 * the holder has not acknowledged; writers block when it holds {@code maxUnacknowledgedBytes}.
 * The sender sends from its link's cursor up to the holder's window. Inbound: {@code inBuf}
 * holds {@code [readPos, next)}, bytes received and not yet read; the holder may send below
 * {@code readPos + receiveBufferSize}. Bytes below {@code next} are duplicates and dropped; a
 * DATA frame starting beyond {@code next} is a protocol error.
 *
 * <h2>Migration</h2>
 * The migrating thread (the caller of {@code migrate()}, or the supervisor for policies,
 * server requests and failover) opens the new TCP connection and does HELLO/WELCOME while the
 * old link keeps working in both directions (overlap). On WELCOME it switches, under the lock:
 * the new link's sender restarts at the holder's {@code received}, the old link is retired, and
 * bytes below {@code received} are freed (they are in the state the new holder fetched).
 *
 * <h2>Failure</h2>
 * A reset, an EOF without CLOSE, a protocol error or silence beyond the missed keepalives marks
 * the holder failed; the policies hear of it; if one (by default {@link HolderFailurePolicy})
 * asks to migrate, every other server is tried, then the failed one; otherwise, or when all
 * refuse, the connection fails and the application's next call throws.
 */
public final class ClientConnection {

    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);

    /** Attempts per server and migration: once, and once more if another server points at it. */
    private static final int MAX_ATTEMPTS_PER_SERVER = 2;

    /** Pause before asking again a server that is busy taking this connection over. */
    private static final long BUSY_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /**
     * How long a busy server is asked again: a takeover in progress ends within the server's
     * control timeout (3 s by default), one way or the other.
     */
    private static final long BUSY_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ClientOptions options;
    private final List<MigrationPolicy> policies;
    private final CopyOnWriteArrayList<MigrationListener> listeners = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ReentrantLock migrationLock = new ReentrantLock();
    private final InputStream input = new In();
    private final OutputStream output = new Out();
    private final long keepaliveNanos;
    /** PINGs and the silence bound (guarded by lock). */
    private final KeepaliveSchedule keepalive;
    /** Servers found bad lately: shared with the client's other connections, or this connection's own. */
    private final UnavailableServers quarantine;

    // Guarded by lock.
    private final ConnectionId id;
    private long epoch;
    private byte[] certificate;
    private String holder;
    private final Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
    private final Set<String> used = new LinkedHashSet<>();
    private int migrations;
    private final OffsetBuffer outBuf = new OffsetBuffer(0);
    private long serverWindowEnd;
    private int serverMaxPayload;
    private long outFin = -1;
    private boolean finAckedByServer;
    private final OffsetBuffer inBuf = new OffsetBuffer(0);
    private long inFin = -1;
    private long advertisedWindowEnd;
    private boolean ackDue;
    private boolean serverClosed;
    private boolean appClosed;
    private IOException failure;
    private ClientLink current;
    private String holderFailure;
    /** The policies were told of {@link #holderFailure} (by the supervisor, before deciding). */
    private boolean failureAnnounced;
    /** True while a migration attempt is under way: the old holder ends its link when it freezes. */
    private boolean migrating;
    /** A failure of the current link seen during a migration, acted on only if the migration fails. */
    private String deferredFailure;
    private ClientLink deferredFailureLink;
    private String serverRequestTarget;
    private String serverRequestReason;
    /** Whether a policy migration may happen now (bounds, back-off). */
    private final PolicyMigrationGovernor governor;
    private long srttNanos = -1;
    private boolean stopped;
    private long lingerDeadline;
    /** An observer reports where responses end ({@link org.mtcp.core.policy.ResponseSignal#FRAMED}). */
    private boolean responsesFramed;

    private ClientConnection(ClientOptions options, Handshake h, UnavailableServers quarantine) {
        this.options = options;
        this.quarantine = quarantine;
        this.governor = new PolicyMigrationGovernor(options.migrationCooldown(), options.migrationLimits());
        this.keepaliveNanos = options.keepaliveInterval().toNanos();
        List<MigrationPolicy> ps = new ArrayList<>();
        for (Supplier<MigrationPolicy> s : options.policies()) {
            ps.add(Objects.requireNonNull(s.get(), "policy factory returned null"));
        }
        if (options.failover() && ps.stream().noneMatch(p -> p instanceof HolderFailurePolicy)) {
            ps.add(0, new HolderFailurePolicy());
        }
        this.policies = List.copyOf(ps);
        // A policy that watches idle silence needs the holder to speak every base interval.
        long idleCeiling = policies.stream().anyMatch(MigrationPolicy::needsKeepalivesWhileIdle)
                ? keepaliveNanos : options.maxIdleKeepaliveInterval().toNanos();
        this.keepalive = new KeepaliveSchedule(keepaliveNanos, idleCeiling, options.missedKeepalives());
        Frame.Welcome w = h.welcome();
        this.id = w.id();
        this.epoch = w.epoch();
        this.certificate = w.certificate();
        this.holder = w.server();
        this.serverWindowEnd = w.windowEnd();
        this.serverMaxPayload = Math.min(w.maxFrameSize(), Wire.PREFERRED_DATA_PAYLOAD);
        this.advertisedWindowEnd = options.receiveBufferSize();
        replacePeers(w.peers());
        used.add(holder);
    }

    /** Connects to the first address of {@code pool} that answers WELCOME. */
    public static ClientConnection connect(List<InetSocketAddress> pool, ClientOptions options) throws IOException {
        return connect(pool, options, null);
    }

    /**
     * Connects to the first address that answers WELCOME, trying those {@code unavailable}
     * avoids last (when given) and telling it which refused with {@code shutdown}, could not be
     * reached, or took the connection.
     */
    public static ClientConnection connect(List<InetSocketAddress> pool, ClientOptions options,
            UnavailableServers unavailable) throws IOException {
        if (pool.isEmpty()) {
            throw new IllegalArgumentException("the pool has no address");
        }
        List<String> errors = new ArrayList<>();
        Frame.Hello hello = Frame.Hello.newConnection(options.maxFrameSize(), options.receiveBufferSize(),
                keepaliveMillis(options));
        for (InetSocketAddress address : unavailable == null ? pool : unavailable.order(pool)) {
            Handshake h;
            try {
                h = Handshake.perform(address, hello, options.connectTimeout().toNanos(), options.maxFrameSize());
            } catch (IOException e) {
                if (unavailable != null) {
                    markFailedAttempt(unavailable, address, e);
                }
                errors.add(ValueSyntax.format(address) + ": " + e.getMessage());
                continue;
            }
            if (unavailable != null) {
                unavailable.markAvailable(address);
            }
            try {
                ClientConnection c = new ClientConnection(options, h,
                        unavailable != null ? unavailable : new UnavailableServers(UnavailableServers.DEFAULT_AVOID_FOR));
                c.start(h);
                return c;
            } catch (IOException e) {
                errors.add(ValueSyntax.format(address) + ": " + e.getMessage());
            }
        }
        throw new IOException("could not connect to any server of the pool: " + String.join("; ", errors));
    }

    /**
     * Records in {@code quarantine} why a handshake with {@code address} failed: draining (RESET
     * {@code shutdown}), no answer within the connect timeout, or unreachable. Other refusals
     * ({@code busy}, {@code limit-exceeded}, a stale certificate) say nothing about the server
     * going away and mark nothing.
     */
    private static void markFailedAttempt(UnavailableServers quarantine, InetSocketAddress address, IOException e) {
        if (e instanceof RefusedException r) {
            if (r.code == ResetCode.SHUTDOWN) {
                quarantine.markUnavailable(address, UnavailableServers.Why.DRAINING);
            }
        } else if (e instanceof java.net.SocketTimeoutException) {
            quarantine.markUnavailable(address, UnavailableServers.Why.TIMED_OUT);
        } else {
            quarantine.markUnavailable(address, UnavailableServers.Why.UNREACHABLE);
        }
    }

    /**
     * HELLO's keepalive field: the longest the client stays silent, i.e. its idle ceiling (the
     * server's silence bound for an idle client is this times its missed keepalives).
     */
    private static int keepaliveMillis(ClientOptions o) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, o.maxIdleKeepaliveInterval().toMillis()));
    }

    private void start(Handshake h) throws IOException {
        ClientLink link = new ClientLink(this, h);
        link.sendCursor = 0;
        lock.lock();
        try {
            current = link;
            ackDue = true;
            keepalive.restart(System.nanoTime());
        } finally {
            lock.unlock();
        }
        link.start(silenceTimeoutMillis());
        long now = System.nanoTime();
        for (MigrationPolicy p : policies) {
            p.onNewHolder(h.welcome().server(), now);
        }
        Threads.start("mtcp-client-supervisor-" + id, this::supervise);
        LOG.debug("connection {} opened with {}", id, holder);
    }

    /**
     * The link reader's backstop only: the sender detects a silent holder ({@link KeepaliveSchedule})
     * within the missed keepalives at the base interval; nothing at all arrives for this long only
     * if the holder ignores PINGs at the idle ceiling too.
     */
    private int silenceTimeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, keepaliveMillis(options) * (long) (options.missedKeepalives() + 1));
    }

    /** Replaces the migration targets; an empty list (not carried) keeps the ones known. */
    private void replacePeers(List<Frame.Peer> announced) {
        if (announced.isEmpty()) {
            return;
        }
        peers.clear();
        for (Frame.Peer p : announced) {
            peers.put(p.name(), InetSocketAddress.createUnresolved(p.host(), p.port()));
        }
    }

    // ------------------------------------------------------------------ application API

    public ConnectionId id() {
        return id;
    }

    public InputStream getInputStream() {
        return input;
    }

    public OutputStream getOutputStream() {
        return output;
    }

    public String currentServer() {
        lock.lock();
        try {
            return holder;
        } finally {
            lock.unlock();
        }
    }

    public Set<String> serversUsed() {
        lock.lock();
        try {
            return java.util.Collections.unmodifiableSet(new LinkedHashSet<>(used));
        } finally {
            lock.unlock();
        }
    }

    public int migrations() {
        lock.lock();
        try {
            return migrations;
        } finally {
            lock.unlock();
        }
    }

    public Duration rtt() {
        lock.lock();
        try {
            return srttNanos < 0 ? null : Duration.ofNanos(srttNanos);
        } finally {
            lock.unlock();
        }
    }

    /** The pool members the client knows (from the last WELCOME or CERT), in order. */
    public List<String> peers() {
        lock.lock();
        try {
            return List.copyOf(peers.keySet());
        } finally {
            lock.unlock();
        }
    }

    public long epoch() {
        lock.lock();
        try {
            return epoch;
        } finally {
            lock.unlock();
        }
    }

    /** The current migration certificate (opaque bytes; tests replay it). */
    public byte[] certificate() {
        lock.lock();
        try {
            return certificate.clone();
        } finally {
            lock.unlock();
        }
    }

    public void addMigrationListener(MigrationListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    public void shutdownOutput() throws IOException {
        lock.lock();
        try {
            checkFailure();
            if (appClosed) {
                throw new SocketException("socket is closed");
            }
            if (outFin < 0) {
                outFin = outBuf.end();
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void checkFailure() throws IOException {
        if (failure != null) {
            throw copy(failure);
        }
    }

    private static IOException copy(IOException e) {
        if (e instanceof ConnectionResetException r) {
            return new ConnectionResetException(r.reason(), r.getMessage());
        }
        if (e instanceof SocketException) {
            return new SocketException(e.getMessage());
        }
        return new IOException(e.getMessage(), e);
    }

    private int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        lock.lock();
        try {
            while (true) {
                if (appClosed) {
                    throw new SocketException("socket is closed");
                }
                if (inBuf.size() > 0) {
                    int n = Math.min(len, inBuf.size());
                    inBuf.copy(inBuf.start(), b, off, n);
                    inBuf.trimTo(inBuf.start() + n);
                    long window = inBuf.start() + options.receiveBufferSize();
                    if (window - advertisedWindowEnd >= Math.max(1, options.receiveBufferSize() / 4)
                            || advertisedWindowEnd <= inBuf.end()) {
                        ackDue = true; // tell the holder the window opened
                        changed.signalAll();
                    }
                    return n;
                }
                if (inFin >= 0 && inBuf.start() >= inFin) {
                    return -1;
                }
                checkFailure();
                if (serverClosed) {
                    return -1;
                }
                changed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } finally {
            lock.unlock();
        }
    }

    private int available() {
        lock.lock();
        try {
            return inBuf.size();
        } finally {
            lock.unlock();
        }
    }

    private void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        int total = 0;
        lock.lock();
        try {
            while (len > 0) {
                if (appClosed) {
                    throw new SocketException("socket is closed");
                }
                checkFailure();
                if (outFin >= 0) {
                    throw new SocketException("output is shut down");
                }
                if (serverClosed) {
                    throw new SocketException("connection " + id + " was closed by the server");
                }
                int space = options.maxUnacknowledgedBytes() - outBuf.size();
                if (space <= 0) {
                    changed.await(); // back-pressure: wait for acknowledgements
                    continue;
                }
                int n = Math.min(space, len);
                outBuf.append(b, off, n);
                off += n;
                len -= n;
                total += n;
                keepalive.requestPending(true); // until its response arrives: keep the base interval
                changed.signalAll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } finally {
            lock.unlock();
        }
        if (total > 0) {
            long now = System.nanoTime();
            for (MigrationPolicy p : policies) {
                p.onBytesSent(total, now);
            }
        }
    }

    /**
     * Graceful close, asynchronous like TCP's: returns at once; the holder receives end-of-stream
     * after the last byte written, and the connection lives on in the background (migrating on
     * holder failure if needed) until the holder has acknowledged everything, then ends with
     * CLOSE. It gives up after the connect timeout. For a confirmed end, shut the output down and
     * read to end-of-stream before closing.
     */
    public void close() {
        ClientLink link;
        lock.lock();
        try {
            if (appClosed) {
                return;
            }
            appClosed = true;
            inBuf.trimTo(inBuf.end()); // unread bytes are dropped
            ackDue = true;
            if (failure == null && !serverClosed && !stopped) {
                if (outFin < 0) {
                    outFin = outBuf.end();
                }
                lingerDeadline = System.nanoTime() + options.connectTimeout().toNanos();
                changed.signalAll();
                return;
            }
            stopped = true;
            link = current;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (link != null) {
            link.close();
        }
    }

    /** True once the connection is over: closed and delivered, closed by the server, or failed. */
    public boolean isFinished() {
        lock.lock();
        try {
            return stopped;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ link callbacks

    void onFrame(ClientLink link, Frame f) throws ProtocolException {
        int newBytes = 0;
        long rttSample = -1;
        long now = System.nanoTime();
        lock.lock();
        try {
            if (link.retired || link != current) {
                return;
            }
            keepalive.heard();
            switch (f) {
                case Frame.Data d -> {
                    newBytes = onData(d);
                    if (newBytes > 0) {
                        governor.progressed(); // the holder delivers: the policy migrations so far helped
                    }
                }
                case Frame.Ack a -> {
                    if (a.received() > outBuf.end()) {
                        throw new ProtocolException("holder acknowledges " + a.received()
                                + " but only " + outBuf.end() + " bytes were written");
                    }
                    if (a.received() > outBuf.start()) {
                        outBuf.trimTo(a.received());
                    }
                    serverWindowEnd = Math.max(serverWindowEnd, a.windowEnd());
                    if (a.finReceived() && outFin >= 0 && a.received() == outFin) {
                        finAckedByServer = true;
                    }
                }
                case Frame.Fin fin -> {
                    if (fin.offset() != inBuf.end() || (inFin >= 0 && inFin != fin.offset())) {
                        throw new ProtocolException("holder FIN at " + fin.offset() + " but "
                                + inBuf.end() + " bytes received");
                    }
                    inFin = fin.offset();
                    ackDue = true;
                }
                case Frame.Close c -> {
                    serverClosed = true;
                    stopped = true;
                }
                case Frame.Pong p -> {
                    long sample = now - p.nonce();
                    if (sample >= 0 && sample < TimeUnit.HOURS.toNanos(1)) {
                        srttNanos = srttNanos < 0 ? sample : srttNanos + (sample - srttNanos) / 8;
                        rttSample = sample;
                    }
                }
                case Frame.Reset r -> {
                    failure = new ConnectionResetException(r.code().label(), "connection " + id
                            + " reset by " + link.server + ": " + r.message());
                    stopped = true;
                    LOG.warn("{}", failure.getMessage());
                }
                case Frame.MigrateRequest m -> {
                    serverRequestTarget = m.target();
                    serverRequestReason = m.reason();
                }
                case Frame.Cert c -> {
                    certificate = c.certificate();
                    // Version 2: the pool as the holder sees it now; members removed from it are
                    // no longer migration targets, new ones are.
                    replacePeers(c.peers());
                }
                default -> throw new ProtocolException("unexpected " + f.type() + " from the holder");
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        boolean migrate = false;
        for (MigrationPolicy p : policies) {
            p.onHolderHeard(now);
            if (newBytes > 0) {
                p.onBytesReceived(newBytes, now);
            }
            if (rttSample >= 0) {
                p.onRoundTrip(rttSample, now);
            }
        }
        if (newBytes > 0 || rttSample >= 0) {
            for (MigrationPolicy p : policies) {
                migrate |= p.evaluate(now).isPresent();
            }
        }
        if (migrate) {
            wakeSupervisor();
        }
    }

    private int onData(Frame.Data d) throws ProtocolException {
        long next = inBuf.end();
        if (d.offset() > next) {
            throw new ProtocolException("gap in the holder's stream: DATA at " + d.offset()
                    + " but only " + next + " bytes received");
        }
        if (inFin >= 0 && d.end() > inFin) {
            throw new ProtocolException("DATA beyond the holder's FIN at " + inFin);
        }
        if (d.end() <= next) {
            return 0; // duplicate (overlap after a migration)
        }
        if (appClosed) {
            // Nobody will read it: account for it and let the window move on.
            inBuf.append(d.payload(), (int) (next - d.offset()), (int) (d.end() - next));
            inBuf.trimTo(inBuf.end());
            ackDue = true;
            return 0;
        }
        if (d.end() > inBuf.start() + options.receiveBufferSize()) {
            throw new ProtocolException("holder sent up to " + d.end() + ", beyond the window "
                    + (inBuf.start() + options.receiveBufferSize()));
        }
        int skip = (int) (next - d.offset());
        int n = d.payload().length - skip;
        inBuf.append(d.payload(), skip, n);
        ackDue = true;
        keepalive.dataReceived();
        if (!responsesFramed) {
            keepalive.requestPending(false); // first-byte rule: the answer has begun
        }
        return n;
    }

    /** The link broke: a holder failure, unless the link was retired or the connection ended. */
    void linkFailed(ClientLink link, String cause) {
        lock.lock();
        try {
            if (link.retired || link != current || serverClosed || failure != null || stopped) {
                return;
            }
            if (holderFailure != null) {
                return;
            }
            if (migrating) {
                // Expected: the old holder ends the link when the new one fetches the state.
                deferredFailure = cause;
                deferredFailureLink = link;
                return;
            }
            holderFailure = cause;
            LOG.debug("connection {}: holder {} failed: {}", id, link.server, cause);
            changed.signalAll(); // the supervisor tells the policies, then decides
        } finally {
            lock.unlock();
        }
    }

    List<byte[]> awaitFrames(ClientLink link) {
        lock.lock();
        try {
            while (true) {
                if (link.retired || link != current || failure != null || serverClosed || link.closeSent
                        || stopped) {
                    return null;
                }
                if (holderFailure != null) {
                    return null;
                }
                long now = System.nanoTime();
                if (keepalive.silent(now)) {
                    // The holder owed a PONG or an ACK for the missed keepalives: it or the path is gone.
                    linkFailed(link, "missed keepalives: nothing from " + link.server + " for "
                            + keepalive.silenceMillis() + " ms");
                    return null;
                }
                List<byte[]> frames = new ArrayList<>(4);
                if (keepalive.pingDue(now)) {
                    keepalive.pingSent(now);
                    frames.add(FrameEncoder.encode(new Frame.Ping(now)));
                }
                long cursor = Math.max(link.sendCursor, outBuf.start());
                long limit = Math.min(outBuf.end(), serverWindowEnd);
                if (cursor < limit) {
                    int n = (int) Math.min(limit - cursor, serverMaxPayload);
                    byte[] frame = FrameEncoder.dataFrame(cursor, n);
                    outBuf.copy(cursor, frame, FrameEncoder.DATA_HEADER_BYTES, n);
                    link.sendCursor = cursor + n;
                    frames.add(frame);
                    keepalive.dataSent(now);
                }
                if (ackDue) {
                    ackDue = false;
                    advertisedWindowEnd = inBuf.start() + options.receiveBufferSize();
                    frames.add(FrameEncoder.encode(new Frame.Ack(inBuf.end(), inBuf.end(), advertisedWindowEnd,
                            inFin >= 0 && inBuf.end() == inFin ? Frame.Ack.FIN_RECEIVED : 0)));
                }
                if (outFin >= 0 && !link.finSent && Math.max(link.sendCursor, outBuf.start()) >= outFin) {
                    link.finSent = true;
                    frames.add(FrameEncoder.encode(new Frame.Fin(outFin)));
                }
                if (appClosed && finAckedByServer && link.finSent && !link.closeSent) {
                    // Everything is delivered: say goodbye so the holder frees the connection.
                    link.closeSent = true;
                    stopped = true;
                    frames.add(FrameEncoder.encode(new Frame.Close()));
                    changed.signalAll();
                    return frames;
                }
                if (!frames.isEmpty()) {
                    return frames;
                }
                changed.awaitNanos(keepalive.nanosToNextEvent(now));
            }
        } catch (InterruptedException e) {
            return null;
        } finally {
            lock.unlock();
        }
    }

    boolean closeSentOn(ClientLink link) {
        lock.lock();
        try {
            return link.closeSent;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ migration

    private void wakeSupervisor() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** What started a migration. */
    private enum Cause {
        /** The application ({@code migrate()}). */
        EXPLICIT,
        /** A migration policy: bounded, backed off, and marks the server it leaves. */
        POLICY,
        /** The holder asked (MIGRATE_REQUEST, e.g. draining). */
        SERVER_REQUEST,
        /** The holder failed. */
        FAILOVER
    }

    /** A migration to decide on: where (null: the client picks), why, and what started it. */
    private record Decision(String target, String reason, Cause cause, String failedCause) {
        boolean failover() {
            return cause == Cause.FAILOVER;
        }
    }

    private void supervise() {
        // Time-based policies (silence, response time, rate) are evaluated every 100 ms at most;
        // the holder-failure policy reacts to events only, so without others a slow tick will do
        // (it still bounds the close linger).
        boolean timeBased = policies.stream().anyMatch(p -> !(p instanceof HolderFailurePolicy));
        long tick = timeBased
                ? Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(TimeUnit.MILLISECONDS.toNanos(100), keepaliveNanos / 4))
                : Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(TimeUnit.SECONDS.toNanos(1), keepaliveNanos));
        while (true) {
            lock.lock();
            try {
                if (stopped || failure != null) {
                    return;
                }
                if (holderFailure == null && serverRequestTarget == null) {
                    long wait = supervisorWaitNanos(timeBased, tick);
                    if (wait == Long.MAX_VALUE) {
                        changed.await(); // nothing is timed now: an event (or a write) wakes it
                    } else {
                        changed.awaitNanos(wait);
                    }
                }
                if (stopped || failure != null) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            Decision d = decide(System.nanoTime());
            if (d == null) {
                continue;
            }
            try {
                MigrationEvent e = migrate(d.target, d.reason, d.cause);
                if (e != null && d.failover() && !e.succeeded()) {
                    fail(new IOException("holder " + e.from() + " failed (" + d.failedCause
                            + ") and no server could take connection " + id + " over: " + e.error()));
                }
            } catch (IOException | RuntimeException e) {
                if (d.failover()) {
                    fail(new IOException("holder failed (" + d.failedCause + ") and migration failed: "
                            + e.getMessage(), e));
                } else {
                    LOG.debug("connection {}: migration for {} failed: {}", id, d.reason, e.toString());
                }
            }
        }
    }

    /**
     * How long the supervisor may sleep (guarded by lock): time-based policies are evaluated every
     * {@code tick} while the connection is active (data flowing, a request pending) or a policy
     * watches idle silence; an idle connection is not ticked at all (no timer per idle
     * connection); while closing, until the linger deadline.
     */
    private long supervisorWaitNanos(boolean timeBased, long tick) {
        long wait = Long.MAX_VALUE;
        if (timeBased && (keepalive.mode() == KeepaliveSchedule.Mode.ACTIVE || keepalive.isRequestPending()
                || policies.stream().anyMatch(MigrationPolicy::needsKeepalivesWhileIdle))) {
            wait = tick;
        }
        if (appClosed && !stopped) {
            wait = Math.min(wait, Math.max(TimeUnit.MILLISECONDS.toNanos(1), lingerDeadline - System.nanoTime()));
        }
        return wait;
    }

    private Decision decide(long now) {
        String failed;
        String request;
        String requestReason;
        boolean closing;
        ClientLink abandoned = null;
        lock.lock();
        try {
            closing = appClosed;
            if (closing && !stopped && now - lingerDeadline > 0) {
                LOG.debug("connection {}: the holder did not acknowledge the end within {} ms; abandoned",
                        id, options.connectTimeout().toMillis());
                stopped = true;
                abandoned = current;
                changed.signalAll();
            }
            failed = holderFailure;
            request = serverRequestTarget;
            requestReason = serverRequestReason;
            serverRequestTarget = null;
        } finally {
            lock.unlock();
        }
        if (abandoned != null) {
            abandoned.close();
            return null;
        }
        if (failed != null && announce()) {
            for (MigrationPolicy p : policies) {
                p.onHolderFailure(failed, now);
            }
        }
        Optional<String> reason = Optional.empty();
        for (MigrationPolicy p : policies) {
            reason = p.evaluate(now);
            if (reason.isPresent()) {
                break;
            }
        }
        if (failed != null) {
            if (reason.isPresent()) {
                return new Decision(null, reason.get(), Cause.FAILOVER, failed);
            }
            fail(new IOException("holder " + currentServer() + " failed: " + failed
                    + (options.failover() ? "" : " (failover is off)")));
            return null;
        }
        if (closing) {
            return null; // while closing, only failover moves the connection
        }
        if (request != null) {
            String why = "server-request" + (requestReason == null || requestReason.isEmpty() ? "" : ": " + requestReason);
            return new Decision(request.isEmpty() ? null : request, why, Cause.SERVER_REQUEST, null);
        }
        if (reason.isPresent()) {
            return policyDecision(reason.get(), now);
        }
        return null;
    }

    /**
     * A policy asks to migrate: whether it may now (bounds and back-off, {@link
     * PolicyMigrationGovernor}), and whether any server is worth it: after a policy migration that
     * brought no progress, when every other server was found bad lately too, the connection stays.
     */
    private Decision policyDecision(String reason, long now) {
        lock.lock();
        try {
            PolicyMigrationGovernor.State state = governor.state(now);
            if (state != PolicyMigrationGovernor.State.READY) {
                return null;
            }
            if (governor.count() > 0 && quarantine.allAvoided(otherServers())) {
                LOG.debug("connection {}: {} but every other server was found bad lately: staying with {}",
                        id, reason, holder);
                return null;
            }
            governor.migrated(now);
        } finally {
            lock.unlock();
        }
        return new Decision(null, reason, Cause.POLICY, null);
    }

    /** The addresses of the servers other than the holder. Under lock. */
    private List<InetSocketAddress> otherServers() {
        List<InetSocketAddress> others = new ArrayList<>();
        peers.forEach((name, address) -> {
            if (!name.equals(holder)) {
                others.add(address);
            }
        });
        return others;
    }

    /** True the first time it is called for the current failure. */
    private boolean announce() {
        lock.lock();
        try {
            if (failureAnnounced) {
                return false;
            }
            failureAnnounced = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void fail(IOException e) {
        ClientLink link;
        lock.lock();
        try {
            if (failure != null) {
                return;
            }
            failure = e;
            stopped = true;
            link = current;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        LOG.warn("connection {} failed: {}", id, e.getMessage());
        if (link != null) {
            link.close();
        }
    }

    /**
     * Moves the connection. {@code target} null lets the client pick: the next server after the
     * current one in pool order; with {@code failover}, every other server, then the failed one
     * (its link may have broken while it lives). Returns the event (also given to listeners);
     * a failed migration leaves the connection where it was. With {@code failover}, returns null
     * when another thread already recovered from the failure.
     */
    public MigrationEvent migrate(String target, String reason, boolean failover) throws IOException {
        return migrate(target, reason, failover ? Cause.FAILOVER : Cause.EXPLICIT);
    }

    private MigrationEvent migrate(String target, String reason, Cause cause) throws IOException {
        boolean failover = cause == Cause.FAILOVER;
        migrationLock.lock();
        try {
            String from;
            Deque<String> candidates = new ArrayDeque<>();
            lock.lock();
            try {
                checkFailure();
                if (appClosed && !failover) {
                    throw new SocketException("socket is closed");
                }
                from = holder;
                if (serverClosed) {
                    MigrationEvent e = new MigrationEvent(id, from, from, reason, 0, false, Instant.now(),
                            "the server closed the connection: nothing to migrate");
                    notifyListeners(e);
                    return e;
                }
                if (failover && holderFailure == null) {
                    return null;
                }
                if (target != null) {
                    if (!peers.containsKey(target)) {
                        throw new IllegalArgumentException("no server named '" + target + "' in the pool "
                                + peers.keySet());
                    }
                    candidates.add(target);
                } else {
                    List<String> names = new ArrayList<>(peers.keySet());
                    int at = names.indexOf(from);
                    List<String> next = new ArrayList<>();
                    for (int i = 1; i <= names.size(); i++) {
                        String n = names.get(((at < 0 ? -1 : at) + i + names.size()) % names.size());
                        if (!n.equals(from)) {
                            next.add(n);
                        }
                    }
                    if (cause == Cause.SERVER_REQUEST && next.size() > 1) {
                        // A draining server asks all its clients at once: each starts at a peer of
                        // its own (by connection id) so that they spread over the peers instead of
                        // all taking the next one in pool order.
                        Collections.rotate(next, -Math.floorMod(id.hashCode(), next.size()));
                    }
                    // the next in pool order among those not found bad lately, then the others
                    candidates.addAll(quarantine.order(next, peers::get));
                    if (failover) {
                        InetSocketAddress failed = peers.get(from);
                        if (failed != null) {
                            quarantine.markUnavailable(failed, UnavailableServers.Why.FAILED);
                        }
                        candidates.add(from);
                    }
                }
            } finally {
                lock.unlock();
            }
            lock.lock();
            try {
                migrating = true;
                deferredFailure = null;
                deferredFailureLink = null;
            } finally {
                lock.unlock();
            }
            try {
                MigrationEvent e = attemptAll(from, candidates, reason);
                if (cause == Cause.POLICY && e.succeeded()) {
                    InetSocketAddress left = addressOf(from);
                    if (left != null) {
                        quarantine.markUnavailable(left, UnavailableServers.Why.LEFT_BY_POLICY);
                    }
                }
                return e;
            } finally {
                endMigrating();
            }
        } finally {
            migrationLock.unlock();
        }
    }

    /** After a migration: a link failure seen meanwhile counts only if the link is still current. */
    private void endMigrating() {
        String cause;
        lock.lock();
        try {
            migrating = false;
            cause = deferredFailure;
            ClientLink failedLink = deferredFailureLink;
            deferredFailure = null;
            deferredFailureLink = null;
            if (cause == null || current != failedLink || current.retired || holderFailure != null
                    || serverClosed || failure != null || stopped) {
                return;
            }
            holderFailure = cause;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private MigrationEvent attemptAll(String from, Deque<String> candidates, String reason) throws IOException {
        long start = System.nanoTime();
        long busyDeadline = start + BUSY_PATIENCE_NANOS;
        // The last answer of each server tried, for the failed event's error.
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, Integer> attempts = new HashMap<>();
        if (candidates.isEmpty()) {
            errors.put(from, "no other server in the pool");
        }
        while (!candidates.isEmpty()) {
            String name = candidates.poll();
            // A server is tried at most twice: once more when another one points at it.
            if (attempts.merge(name, 1, Integer::sum) > MAX_ATTEMPTS_PER_SERVER) {
                continue;
            }
            long t0 = System.nanoTime();
            InetSocketAddress address = addressOf(name);
            try {
                Handshake h = attempt(name);
                if (address != null) {
                    quarantine.markAvailable(address);
                }
                long micros = TimeUnit.NANOSECONDS.toMicros(h.welcomeNanos() - t0);
                switchTo(h);
                MigrationEvent e = new MigrationEvent(id, from, name, reason, micros, true, Instant.now(), "");
                LOG.debug("connection {} migrated {} -> {} in {} us ({})", id, from, name, micros, reason);
                notifyListeners(e);
                return e;
            } catch (RefusedException r) {
                errors.put(name, r.getMessage());
                if (address != null) {
                    markFailedAttempt(quarantine, address, r);
                }
                if (r.code == ResetCode.STALE_CERTIFICATE && !r.hint.isEmpty() && knows(r.hint)
                        && attempts.getOrDefault(r.hint, 0) < MAX_ATTEMPTS_PER_SERVER) {
                    // The connection went to r.hint but its WELCOME never reached us (or we gave
                    // up waiting): that server readmits us with the same certificate.
                    candidates.addFirst(r.hint);
                } else if (r.code == ResetCode.BUSY && System.nanoTime() < busyDeadline) {
                    // A takeover of this connection is under way there (maybe our own earlier
                    // attempt): ask again shortly; it ends within the server's control timeout.
                    attempts.merge(name, -1, Integer::sum);
                    LockSupport.parkNanos(BUSY_RETRY_NANOS);
                    candidates.addFirst(name);
                }
            } catch (IOException e) {
                errors.put(name, e.getMessage() == null ? e.toString() : e.getMessage());
                if (address != null && !(e instanceof ProtocolException)) {
                    markFailedAttempt(quarantine, address, e);
                }
            }
            lock.lock();
            try {
                checkFailure();
            } finally {
                lock.unlock();
            }
        }
        StringBuilder error = new StringBuilder();
        errors.forEach((name, message) -> error.append(error.isEmpty() ? "" : "; ").append(name).append(": ")
                .append(message));
        MigrationEvent e = new MigrationEvent(id, from, from, reason,
                TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start), false, Instant.now(), error.toString());
        LOG.debug("connection {}: migration from {} failed ({}): {}", id, from, reason, error);
        notifyListeners(e);
        return e;
    }

    /** The service address of pool member {@code name}, or null if it is not one (any more). */
    private InetSocketAddress addressOf(String name) {
        lock.lock();
        try {
            return peers.get(name);
        } finally {
            lock.unlock();
        }
    }

    private boolean knows(String name) {
        return addressOf(name) != null;
    }

    private Handshake attempt(String name) throws IOException {
        InetSocketAddress address;
        Frame.Hello hello;
        lock.lock();
        try {
            address = peers.get(name);
            hello = new Frame.Hello(Wire.SERVICE_VERSION, Frame.HelloKind.MIGRATE, options.maxFrameSize(), inBuf.end(),
                    inBuf.start() + options.receiveBufferSize(), keepaliveMillis(options), id, epoch, certificate);
        } finally {
            lock.unlock();
        }
        if (address == null) {
            throw new IOException("unknown server");
        }
        Handshake h = Handshake.perform(address, hello, options.connectTimeout().toNanos(), options.maxFrameSize());
        Frame.Welcome w = h.welcome();
        if (!w.id().equals(id) || w.epoch() != hello.epoch() + 1) {
            h.socket().close();
            throw new ProtocolException("WELCOME for " + w.id() + " epoch " + w.epoch() + ", expected "
                    + id + " epoch " + (hello.epoch() + 1));
        }
        return h;
    }

    private void switchTo(Handshake h) throws IOException {
        Frame.Welcome w = h.welcome();
        ClientLink link = new ClientLink(this, h);
        ClientLink old;
        lock.lock();
        try {
            if (failure != null) {
                link.close();
                throw copy(failure);
            }
            if (w.received() > outBuf.end()) {
                link.close();
                throw new ProtocolException("new holder claims " + w.received() + " bytes but only "
                        + outBuf.end() + " were written");
            }
            if (w.received() > outBuf.start()) {
                outBuf.trimTo(w.received()); // the new holder has them: they came with the state
            }
            epoch = w.epoch();
            certificate = w.certificate();
            holder = w.server();
            replacePeers(w.peers());
            used.add(holder);
            migrations++;
            serverWindowEnd = w.windowEnd();
            serverMaxPayload = Math.min(w.maxFrameSize(), Wire.PREFERRED_DATA_PAYLOAD);
            link.sendCursor = w.received();
            old = current;
            if (old != null) {
                old.retired = true;
            }
            current = link;
            keepalive.restart(System.nanoTime());
            holderFailure = null;
            failureAnnounced = false;
            srttNanos = -1;
            ackDue = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        link.start(silenceTimeoutMillis());
        if (old != null) {
            old.close();
        }
        long now = System.nanoTime();
        for (MigrationPolicy p : policies) {
            p.onNewHolder(w.server(), now);
        }
    }

    /** See {@link org.mtcp.core.MtcpSocket#signalResponse}. */
    public void signalResponse(org.mtcp.core.policy.ResponseSignal signal) {
        lock.lock();
        try {
            switch (signal) {
                case FRAMED -> responsesFramed = true;
                case REQUEST_SENT -> keepalive.requestPending(true);
                case COMPLETE -> keepalive.requestPending(false);
                case LOST -> responsesFramed = false;
            }
        } finally {
            lock.unlock();
        }
        long now = System.nanoTime();
        if (signal == org.mtcp.core.policy.ResponseSignal.COMPLETE) {
            lock.lock();
            try {
                governor.progressed(); // a response ended: the next request has its own budget
            } finally {
                lock.unlock();
            }
        }
        for (MigrationPolicy p : policies) {
            p.onResponseSignal(signal, now);
        }
    }

    private void notifyListeners(MigrationEvent e) {
        for (MigrationListener l : listeners) {
            try {
                l.onMigration(e);
            } catch (RuntimeException ex) {
                LOG.warn("migration listener failed", ex);
            }
        }
    }

    // ------------------------------------------------------------------ introspection for tests

    /** The keepalive interval now: the base one while active, longer while idle (back-off). */
    public Duration keepaliveInterval() {
        lock.lock();
        try {
            return Duration.ofNanos(keepalive.intervalNanos());
        } finally {
            lock.unlock();
        }
    }

    /** Bytes buffered inbound (received, unread) plus outbound (unacknowledged). */
    public long bufferedBytes() {
        lock.lock();
        try {
            return (long) inBuf.size() + outBuf.size();
        } finally {
            lock.unlock();
        }
    }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = ClientConnection.this.read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return ClientConnection.this.read(b, off, len);
        }

        @Override
        public int available() {
            return ClientConnection.this.available();
        }

        @Override
        public void close() throws IOException {
            ClientConnection.this.close();
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            ClientConnection.this.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ClientConnection.this.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            lock.lock();
            try {
                checkFailure();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() throws IOException {
            ClientConnection.this.close();
        }
    }
}
