package org.mtcp.core.internal.client;

import java.io.IOException;
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
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.UnavailableServers;
import org.mtcp.core.ValueSyntax;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.ConnectionResetException;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MigrationListener;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.internal.stream.FrameCounters;
import org.mtcp.core.internal.stream.Lifecycle;
import org.mtcp.core.internal.stream.ReliableStream;
import org.mtcp.core.internal.stream.SendCursor;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.internal.stream.SendBatch;
import org.mtcp.core.policy.HolderFailurePolicy;
import org.mtcp.core.policy.MigrationPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client end of a logical connection (behind {@link org.mtcp.core.MtcpSocket}).
 *
 * <h2>State</h2>
 * The stream ({@link ReliableStream}): the outbound retention holds {@code [acked, written)},
 * every byte the application wrote that the holder has not acknowledged; writers block when it
 * holds {@code maxUnacknowledgedBytes}. Each link's sender sends from its own cursor up to the
 * holder's window. The inbound buffer holds the bytes received and not yet read; the holder may
 * send below {@code readPos + receiveBufferSize}. The connection's lifecycle is a {@link
 * ClientPhase}.
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
public final class ClientConnection extends ReliableStream {

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
    private final java.util.concurrent.locks.ReentrantLock migrationLock = new java.util.concurrent.locks.ReentrantLock();
    private final long keepaliveNanos;
    /** PINGs and the silence bound (guarded by lock). */
    private final KeepaliveSchedule keepalive;
    /** Servers found bad lately: shared with the client's other connections, or this connection's own. */
    private final UnavailableServers quarantine;

    // Guarded by the stream's lock (guard).
    private final ConnectionId id;
    private long epoch;
    private byte[] certificate;
    private String holder;
    private final Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
    private final Set<String> used = new LinkedHashSet<>();
    private int migrations;
    private final Lifecycle<ClientPhase> phase = ClientPhase.lifecycle();
    private boolean appClosed;
    /** Why the connection failed (set with {@link ClientPhase#FAILED}). */
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
    private long lingerDeadline;
    /** An observer reports where responses end ({@link org.mtcp.core.policy.ResponseSignal#FRAMED}). */
    private boolean responsesFramed;

    private ClientConnection(ClientOptions options, Handshake h, UnavailableServers quarantine) {
        super(FrameCounters.CLIENT, "holder", options.maxUnacknowledgedBytes(), 0, new byte[0],
                h.welcome().windowEnd(), 0, new byte[0], options.receiveBufferSize(), true);
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
        outbound.peer(w.maxFrameSize(), w.windowEnd(), false);
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
        ClientLink link = new ClientLink(this, h, new SendCursor(0));
        guard.run(() -> {
            current = link;
            ackNow();
            keepalive.restart(System.nanoTime());
        });
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

    public String currentServer() {
        return guard.call(() -> holder);
    }

    public Set<String> serversUsed() {
        return guard.call(() -> Collections.unmodifiableSet(new LinkedHashSet<>(used)));
    }

    public int migrations() {
        return guard.call(() -> migrations);
    }

    public Duration rtt() {
        return guard.call(() -> srttNanos < 0 ? null : Duration.ofNanos(srttNanos));
    }

    /** The pool members the client knows (from the last WELCOME or CERT), in order. */
    public List<String> peers() {
        return guard.call(() -> List.copyOf(peers.keySet()));
    }

    public long epoch() {
        return guard.call(() -> epoch);
    }

    /** The current migration certificate (opaque bytes; tests replay it). */
    public byte[] certificate() {
        return guard.call(() -> certificate.clone());
    }

    public void addMigrationListener(MigrationListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    public void shutdownOutput() throws IOException {
        guard.runChecked(() -> {
            checkFailure();
            if (appClosed) {
                throw new SocketException("socket is closed");
            }
            if (outbound.fin() < 0) {
                outbound.fin(outbound.end());
                sendable.signalAll();
            }
        });
    }

    private boolean stopped() {
        return phase.in(ClientPhase.STOPPED);
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

    @Override
    protected void checkReadable() throws IOException {
        if (appClosed) {
            throw new SocketException("socket is closed");
        }
    }

    @Override
    protected boolean inputEnded() throws IOException {
        checkFailure();
        return phase.is(ClientPhase.PEER_CLOSED);
    }

    @Override
    protected void checkWritable() throws IOException {
        checkReadable();
        checkFailure();
        if (outbound.fin() >= 0) {
            throw new SocketException("output is shut down");
        }
        if (phase.is(ClientPhase.PEER_CLOSED)) {
            throw new SocketException("connection " + id + " was closed by the server");
        }
    }

    @Override
    protected void checkUsable() throws IOException {
        checkFailure();
    }

    @Override
    protected void closeByApplication() {
        close();
    }

    @Override
    protected void appended(int n) {
        keepalive.requestPending(true); // until its response arrives: keep the base interval
    }

    @Override
    protected void wrote(int total) {
        long now = System.nanoTime();
        for (MigrationPolicy p : policies) {
            p.onBytesSent(total, now);
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
        ClientLink link = guard.call(() -> {
            if (appClosed) {
                return null;
            }
            appClosed = true;
            inbound.discard(); // unread bytes are dropped
            ackNow();
            if (phase.is(ClientPhase.OPEN)) {
                if (outbound.fin() < 0) {
                    outbound.fin(outbound.end());
                }
                lingerDeadline = System.nanoTime() + options.connectTimeout().toNanos();
                phase.moveTo(ClientPhase.LINGERING);
                signalEveryone();
                return null;
            }
            signalEveryone();
            return current;
        });
        if (link != null) {
            link.close();
        }
    }

    /** True once the connection is over: closed and delivered, closed by the server, or failed. */
    public boolean isFinished() {
        return stopped();
    }

    // ------------------------------------------------------------------ link callbacks

    /** DATA payload bytes from {@code link}'s decoder, straight into the inbound buffer. */
    void onData(ClientLink link, long frameOffset, int frameLength, int pos, byte[] src, int off, int len)
            throws ProtocolException {
        long now = System.nanoTime();
        int newBytes;
        guard.lock(); // the data path: no lambda per piece
        try {
            if (link.retired || link != current) {
                return;
            }
            keepalive.heard();
            newBytes = acceptData(frameOffset, frameLength, pos, src, off, len, now);
            if (newBytes > 0) {
                governor.progressed(); // the holder delivers: the policy migrations so far helped
                keepalive.dataReceived();
                if (!responsesFramed) {
                    keepalive.requestPending(false); // first-byte rule: the answer has begun
                }
            }
        } finally {
            guard.unlock();
        }
        heard(now, newBytes, -1);
    }

    void onFrame(ClientLink link, Frame f) throws ProtocolException {
        if (f instanceof Frame.Data d) {
            onData(link, d.offset(), d.payload().length, 0, d.payload(), 0, d.payload().length);
            return;
        }
        long now = System.nanoTime();
        long rttSample = guard.callChecked(() -> {
            if (link.retired || link != current) {
                return -2L;
            }
            keepalive.heard();
            received(f);
            long sample = -1;
            switch (f) {
                case Frame.Ack a -> acceptAck(a);
                case Frame.Fin fin -> {
                    long inFin = inbound.fin();
                    if (fin.offset() != inbound.received() || (inFin >= 0 && inFin != fin.offset())) {
                        throw new ProtocolException("holder FIN at " + fin.offset() + " but "
                                + inbound.received() + " bytes received");
                    }
                    inbound.fin(fin.offset());
                    ackNow();
                    readable.signalAll();
                }
                case Frame.Close c -> {
                    phase.tryMoveTo(ClientPhase.PEER_CLOSED);
                    signalEveryone();
                }
                case Frame.Pong p -> {
                    long s = now - p.nonce();
                    if (s >= 0 && s < TimeUnit.HOURS.toNanos(1)) {
                        srttNanos = srttNanos < 0 ? s : srttNanos + (s - srttNanos) / 8;
                        sample = s;
                    }
                }
                case Frame.Reset r -> {
                    if (failure == null) {
                        failure = new ConnectionResetException(r.code().label(), "connection " + id
                                + " reset by " + link.server + ": " + r.message());
                        phase.moveTo(ClientPhase.FAILED);
                        LOG.warn("{}", failure.getMessage());
                    }
                    signalEveryone();
                }
                case Frame.MigrateRequest m -> {
                    serverRequestTarget = m.target();
                    serverRequestReason = m.reason();
                    changed.signalAll();
                }
                case Frame.Cert c -> {
                    certificate = c.certificate();
                    // Version 2: the pool as the holder sees it now; members removed from it are
                    // no longer migration targets, new ones are.
                    replacePeers(c.peers());
                }
                default -> throw new ProtocolException("unexpected " + f.type() + " from the holder");
            }
            return sample;
        });
        if (rttSample != -2L) {
            heard(now, 0, rttSample);
        }
    }

    /** Tells the policies what the holder did; wakes the supervisor when one asks to migrate. */
    private void heard(long now, int newBytes, long rttSample) {
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

    /** The link broke: a holder failure, unless the link was retired or the connection ended. */
    void linkFailed(ClientLink link, String cause) {
        guard.run(() -> linkFailedLocked(link, cause));
    }

    private void linkFailedLocked(ClientLink link, String cause) {
        if (link.retired || link != current || stopped() || holderFailure != null) {
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
        signalEveryone(); // the supervisor tells the policies, then decides; the sender stops
    }

    /**
     * Blocks until there is something to send on {@code link} and appends it to {@code w} (the
     * link's send buffer); false when the link must stop.
     */
    boolean awaitFrames(ClientLink link, SendCursor c, SendBatch w) {
        guard.lock(); // the data path: no lambda per frame
        try {
            long idleSince = System.nanoTime();
            while (true) {
                if (link.retired || link != current || stopped() || c.closeSent() || holderFailure != null) {
                    return false;
                }
                long now = System.nanoTime();
                if (keepalive.silent(now)) {
                    // The holder owed a PONG or an ACK for the missed keepalives: it or the path is gone.
                    linkFailedLocked(link, "missed keepalives: nothing from " + link.server + " for "
                            + keepalive.silenceMillis() + " ms");
                    return false;
                }
                if (keepalive.pingDue(now)) {
                    keepalive.pingSent(now);
                    writeFrame(w, new Frame.Ping(now));
                }
                if (writeData(c, w) > 0) {
                    keepalive.dataSent(now);
                }
                writeAck(w, now);
                writeFin(c, w);
                if (appClosed && outbound.finAcked() && c.finSent() && !c.closeSent()) {
                    // Everything is delivered: say goodbye so the holder frees the connection.
                    c.closeSent(true);
                    phase.moveTo(ClientPhase.DONE);
                    writeFrame(w, new Frame.Close());
                    signalEveryone();
                    return true;
                }
                if (!w.isEmpty()) {
                    return true;
                }
                if (now - idleSince >= IDLE_RELEASE_NANOS) {
                    releaseIdleMemory();
                    w.release();
                    idleSince = Long.MAX_VALUE / 2; // once per idle period
                }
                long wait = Math.min(keepalive.nanosToNextEvent(now), Math.min(ackDueInNanos(now), IDLE_RELEASE_NANOS));
                guard.awaitNanos(sendable, wait);
            }
        } catch (java.io.InterruptedIOException e) {
            return false;
        } finally {
            guard.unlock();
        }
    }

    // ------------------------------------------------------------------ migration

    private void wakeSupervisor() {
        guard.run(changed::signalAll);
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
            guard.lock();
            try {
                if (stopped()) {
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
                if (stopped()) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                guard.unlock();
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
        if (phase.is(ClientPhase.LINGERING)) {
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
        guard.lock();
        try {
            closing = appClosed;
            if (phase.is(ClientPhase.LINGERING) && now - lingerDeadline > 0) {
                LOG.debug("connection {}: the holder did not acknowledge the end within {} ms; abandoned",
                        id, options.connectTimeout().toMillis());
                phase.moveTo(ClientPhase.DONE);
                abandoned = current;
                signalEveryone();
            }
            failed = holderFailure;
            request = serverRequestTarget;
            requestReason = serverRequestReason;
            serverRequestTarget = null;
        } finally {
            guard.unlock();
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
        guard.lock();
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
            guard.unlock();
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
        guard.lock();
        try {
            if (failureAnnounced) {
                return false;
            }
            failureAnnounced = true;
            return true;
        } finally {
            guard.unlock();
        }
    }

    private void fail(IOException e) {
        ClientLink link;
        guard.lock();
        try {
            if (failure != null) {
                return;
            }
            failure = e;
            phase.moveTo(ClientPhase.FAILED);
            link = current;
            signalEveryone();
        } finally {
            guard.unlock();
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
            guard.lock();
            try {
                checkFailure();
                if (appClosed && !failover) {
                    throw new SocketException("socket is closed");
                }
                from = holder;
                if (phase.is(ClientPhase.PEER_CLOSED)) {
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
                guard.unlock();
            }
            guard.lock();
            try {
                migrating = true;
                deferredFailure = null;
                deferredFailureLink = null;
            } finally {
                guard.unlock();
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
        guard.lock();
        try {
            migrating = false;
            cause = deferredFailure;
            ClientLink failedLink = deferredFailureLink;
            deferredFailure = null;
            deferredFailureLink = null;
            if (cause == null || current != failedLink || current.retired || holderFailure != null
                    || stopped()) {
                return;
            }
            holderFailure = cause;
            signalEveryone();
        } finally {
            guard.unlock();
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
            guard.lock();
            try {
                checkFailure();
            } finally {
                guard.unlock();
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
        guard.lock();
        try {
            return peers.get(name);
        } finally {
            guard.unlock();
        }
    }

    private boolean knows(String name) {
        return addressOf(name) != null;
    }

    private Handshake attempt(String name) throws IOException {
        InetSocketAddress address;
        Frame.Hello hello;
        guard.lock();
        try {
            address = peers.get(name);
            hello = new Frame.Hello(Wire.SERVICE_VERSION, Frame.HelloKind.MIGRATE, options.maxFrameSize(),
                    inbound.received(), inbound.windowEnd(), keepaliveMillis(options), id, epoch, certificate);
        } finally {
            guard.unlock();
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
        // The new holder has every byte below received: its sender restarts there.
        ClientLink link = new ClientLink(this, h, new SendCursor(w.received()));
        ClientLink old;
        guard.lock();
        try {
            if (failure != null) {
                link.close();
                throw copy(failure);
            }
            if (w.received() > outbound.end()) {
                link.close();
                throw new ProtocolException("new holder claims " + w.received() + " bytes but only "
                        + outbound.end() + " were written");
            }
            outbound.acknowledged(w.received()); // the new holder has them: they came with the state
            epoch = w.epoch();
            certificate = w.certificate();
            holder = w.server();
            replacePeers(w.peers());
            used.add(holder);
            migrations++;
            outbound.peer(w.maxFrameSize(), w.windowEnd(), false);
            old = current;
            if (old != null) {
                old.retired = true;
            }
            current = link;
            keepalive.restart(System.nanoTime());
            holderFailure = null;
            failureAnnounced = false;
            srttNanos = -1;
            ackNow();
            signalEveryone();
        } finally {
            guard.unlock();
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
        guard.lock();
        try {
            switch (signal) {
                case FRAMED -> responsesFramed = true;
                case REQUEST_SENT -> keepalive.requestPending(true);
                case COMPLETE -> keepalive.requestPending(false);
                case LOST -> responsesFramed = false;
            }
        } finally {
            guard.unlock();
        }
        long now = System.nanoTime();
        if (signal == org.mtcp.core.policy.ResponseSignal.COMPLETE) {
            guard.lock();
            try {
                governor.progressed(); // a response ended: the next request has its own budget
            } finally {
                guard.unlock();
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
        return guard.call(() -> Duration.ofNanos(keepalive.intervalNanos()));
    }

    /** Bytes buffered inbound (received, unread) plus outbound (unacknowledged). */
    public long bufferedBytes() {
        return guard.call(() -> (long) inbound.size() + outbound.size());
    }
}
