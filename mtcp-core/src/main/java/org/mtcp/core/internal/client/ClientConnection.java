package org.mtcp.core.internal.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
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
 * Decided and run by the {@link MigrationSupervisor} (policies, server requests, failover; its
 * phase is guarded by this connection's lock). The migrating thread (the caller of {@code
 * migrate()}, or the supervisor thread) does HELLO/WELCOME ({@link #handshake}: on a new TCP
 * connection, or on the {@link StandbyLink}) while the old link keeps working in both directions
 * (overlap). On WELCOME it switches, under the lock:
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

    private final ClientOptions options;
    private final List<MigrationPolicy> policies;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final InputStream input = new In();
    private final OutputStream output = new Out();
    private final long keepaliveNanos;
    /** PINGs and the silence bound (guarded by lock). */
    private final KeepaliveSchedule keepalive;
    /** Decides and runs migrations; its phase is guarded by {@link #lock}. */
    private final MigrationSupervisor supervisor;

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
    private long srttNanos = -1;
    private boolean stopped;
    private long lingerDeadline;
    /** An observer reports where responses end ({@link org.mtcp.core.policy.ResponseSignal#FRAMED}). */
    private boolean responsesFramed;

    private ClientConnection(ClientOptions options, Handshake h, UnavailableServers quarantine) {
        this.options = options;
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
        this.supervisor = new MigrationSupervisor(this, options, lock, changed, policies, quarantine);
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
    static void markFailedAttempt(UnavailableServers quarantine, InetSocketAddress address, IOException e) {
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
    static int keepaliveMillis(ClientOptions o) {
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
        Threads.start("mtcp-client-supervisor-" + id, supervisor::run);
        supervisor.startStandby();
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
    private boolean replacePeers(List<Frame.Peer> announced) {
        if (announced.isEmpty()) {
            return false;
        }
        Map<String, InetSocketAddress> before = new LinkedHashMap<>(peers);
        peers.clear();
        for (Frame.Peer p : announced) {
            peers.put(p.name(), InetSocketAddress.createUnresolved(p.host(), p.port()));
        }
        return !before.equals(peers);
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

    /** The server the standby link is open to now, or null (none, or the option is off). */
    public String standbyServer() {
        return supervisor.standbyServer();
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
        supervisor.addListener(listener);
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
                        supervisor.onProgress(); // the holder delivers: the policy migrations so far helped
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
                    supervisor.onServerRequest(m.target(), m.reason());
                }
                case Frame.Cert c -> {
                    certificate = c.certificate();
                    // Version 2: the pool as the holder sees it now; members removed from it are
                    // no longer migration targets, new ones are.
                    if (replacePeers(c.peers())) {
                        supervisor.onPeersChanged();
                    }
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
            supervisor.wake();
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
            supervisor.onLinkFailed(link, cause);
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
                if (supervisor.holderFailed()) {
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

    // ------------------------------------------------------------------ for the MigrationSupervisor

    /** The connection failed for good: the application's next call throws {@code e}. */
    void fail(IOException e) {
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

    /** True once the connection is over (finished or failed): the supervisor stops. */
    boolean isOver() {
        lock.lock();
        try {
            return stopped || failure != null;
        } finally {
            lock.unlock();
        }
    }

    /** Under lock: data flows or a request waits for its answer (time-based policies tick). */
    boolean isActive() {
        return keepalive.mode() == KeepaliveSchedule.Mode.ACTIVE || keepalive.isRequestPending();
    }

    /** Under lock: nanoseconds left of the close linger, or -1 when not lingering. */
    long lingerNanos() {
        return appClosed && !stopped ? Math.max(0, lingerDeadline - System.nanoTime()) : -1;
    }

    /** Ends a closed connection whose holder did not acknowledge the end within the linger. */
    boolean abandonIfLingerExpired(long now) {
        ClientLink abandoned;
        lock.lock();
        try {
            if (!appClosed || stopped || now - lingerDeadline <= 0) {
                return false;
            }
            LOG.debug("connection {}: the holder did not acknowledge the end within {} ms; abandoned",
                    id, options.connectTimeout().toMillis());
            stopped = true;
            abandoned = current;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (abandoned != null) {
            abandoned.close();
        }
        return true;
    }

    boolean isClosing() {
        lock.lock();
        try {
            return appClosed;
        } finally {
            lock.unlock();
        }
    }

    boolean isServerClosed() {
        lock.lock();
        try {
            return serverClosed;
        } finally {
            lock.unlock();
        }
    }

    /** Throws if the connection failed, or (unless failing over) if the application closed it. */
    void checkMigratable(boolean failover) throws IOException {
        lock.lock();
        try {
            checkFailure();
            if (appClosed && !failover) {
                throw new SocketException("socket is closed");
            }
        } finally {
            lock.unlock();
        }
    }

    void throwIfFailed() throws IOException {
        lock.lock();
        try {
            checkFailure();
        } finally {
            lock.unlock();
        }
    }

    /** Under lock: {@code link} is still the live current link of a live connection. */
    boolean isCurrentAndLive(ClientLink link) {
        return link != null && current == link && !link.retired && !serverClosed && failure == null && !stopped;
    }

    /** The pool members known now, in pool order. */
    Map<String, InetSocketAddress> peerAddresses() {
        lock.lock();
        try {
            return new LinkedHashMap<>(peers);
        } finally {
            lock.unlock();
        }
    }

    /** The service address of pool member {@code name}, or null if it is not one (any more). */
    InetSocketAddress addressOf(String name) {
        lock.lock();
        try {
            return peers.get(name);
        } finally {
            lock.unlock();
        }
    }

    /** HELLO{standby} with the current certificate: opens a standby link (version 3). */
    Frame.Hello standbyHello() {
        lock.lock();
        try {
            return new Frame.Hello(Wire.STANDBY_VERSION, Frame.HelloKind.STANDBY, options.maxFrameSize(), 0, 0,
                    keepaliveMillis(options), id, epoch, certificate);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ migration handshake

    /** See {@link org.mtcp.core.MtcpSocket#migrate(String)}; {@code failover}: the holder failed. */
    public MigrationEvent migrate(String target, String reason, boolean failover) throws IOException {
        return supervisor.migrate(target, reason,
                failover ? MigrationSupervisor.Cause.FAILOVER : MigrationSupervisor.Cause.EXPLICIT);
    }

    /**
     * HELLO{migrate} to {@code name} and its WELCOME: on {@code standby} when given (no TCP
     * handshake), else on a new TCP connection.
     */
    Handshake handshake(String name, StandbyLink standby) throws IOException {
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
        Handshake h = standby != null
                ? Handshake.onStandby(standby, hello, options.connectTimeout().toNanos())
                : Handshake.perform(address, hello, options.connectTimeout().toNanos(), options.maxFrameSize());
        Frame.Welcome w = h.welcome();
        if (!w.id().equals(id) || w.epoch() != hello.epoch() + 1) {
            h.socket().close();
            throw new ProtocolException("WELCOME for " + w.id() + " epoch " + w.epoch() + ", expected "
                    + id + " epoch " + (hello.epoch() + 1));
        }
        return h;
    }

    /** Moves the connection to the server that answered {@code h} (its new holder). */
    void switchTo(Handshake h) throws IOException {
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
            supervisor.onHolderReplaced();
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
                supervisor.onProgress(); // a response ended: the next request has its own budget
            } finally {
                lock.unlock();
            }
        }
        for (MigrationPolicy p : policies) {
            p.onResponseSignal(signal, now);
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
