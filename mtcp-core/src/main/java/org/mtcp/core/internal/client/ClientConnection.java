package org.mtcp.core.internal.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.UnavailableServers;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.ConnectionResetException;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MigrationListener;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.internal.cert.ClientKey;
import org.mtcp.core.internal.stream.FrameCounters;
import org.mtcp.core.internal.stream.ReliableStream;
import org.mtcp.core.internal.stream.SendBatch;
import org.mtcp.core.internal.stream.SendCursor;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.policy.HolderFailurePolicy;
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
 * ClientPhase}, kept with the application's close and the failure in a {@link ClientEnd}.
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
public final class ClientConnection extends ReliableStream {

    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);

    private final ClientOptions options;
    private final HolderPolicies policies;
    private final long keepaliveNanos;
    /** PINGs and the silence bound (guarded by lock). */
    private final KeepaliveSchedule keepalive;
    /** Decides and runs migrations; its phase is guarded by the stream's lock ({@code guard}). */
    private final MigrationSupervisor supervisor;

    // Guarded by the stream's lock (guard).
    private final ConnectionId id;
    /** This connection's key pair: its certificates are bound to the public key. */
    private final ClientKey key;
    /** The holder, epoch, certificate and migration targets. */
    private final HolderRecord record;
    /** The phase, the application's close, the failure, the linger. */
    private final ClientEnd end = new ClientEnd();
    /** The current link; the handshake and switch of a migration. */
    private final HolderLinks links;
    /** A holder acknowledged bytes it had not made stable yet: it replicates its state. */
    private boolean holderReplicates;
    /**
     * While a migration's HELLO{migrate} is out: the {@code acked} it told the target (-1: none).
     * The client frees nothing above it until the attempt ends, so a target that resumes from a
     * replica covering that position finds every byte it lacks still here, whatever the old holder
     * acknowledges meanwhile (docs/protocol.md, section 10, "Migration to a replica").
     */
    private long migrationPin = -1;
    /** The highest {@code stable} the holder sent while pinned (-1: none beyond the pin). */
    private long stableHeldBack = -1;
    /** An observer reports where responses end ({@link org.mtcp.core.policy.ResponseSignal#FRAMED}). */
    private boolean responsesFramed;

    ClientConnection(ClientOptions options, Handshake h, ClientKey key, UnavailableServers quarantine) {
        super(FrameCounters.CLIENT, "holder", options.maxUnacknowledgedBytes(), 0, new byte[0],
                h.welcome().windowEnd(), 0, new byte[0], options.receiveBufferSize(), true);
        this.options = options;
        this.keepaliveNanos = options.keepaliveInterval().toNanos();
        this.policies = new HolderPolicies(options);
        // A policy that watches idle silence needs the holder to speak every base interval.
        long idleCeiling = policies.needKeepalivesWhileIdle()
                ? keepaliveNanos : options.maxIdleKeepaliveInterval().toNanos();
        this.keepalive = new KeepaliveSchedule(keepaliveNanos, idleCeiling, options.missedKeepalives());
        Frame.Welcome w = h.welcome();
        this.id = w.id();
        this.record = new HolderRecord(w);
        outbound.peer(w.maxFrameSize(), w.windowEnd(), false);
        this.supervisor = new MigrationSupervisor(this, options, guard, changed, policies.all(), quarantine);
        this.key = key;
        this.links = new HolderLinks(this, id, options, guard, outbound, inbound, record, end, policies, key);
    }

    /** Starts the first link, the policies and the supervisor (from {@link ClientConnector}). */
    void start(Handshake h) throws IOException {
        links.start(h);
        Threads.start("mtcp-client-supervisor-" + id, supervisor::run);
        supervisor.startStandby();
        LOG.debug("connection {} opened with {}", id, record.holder());
    }

    // ------------------------------------------------------------------ application API

    public ConnectionId id() {
        return id;
    }

    public String currentServer() {
        return guard.call(record::holder);
    }

    /** The server the standby link is open to now, or null (none, or the option is off). */
    public String standbyServer() {
        return supervisor.standbyServer();
    }

    public Set<String> serversUsed() {
        return guard.call(record::serversUsed);
    }

    public int migrations() {
        return guard.call(record::migrations);
    }

    public Duration rtt() {
        return guard.call(record::rtt);
    }

    /** The pool members the client knows (from the last WELCOME or CERT), in order. */
    public List<String> peers() {
        return guard.call(record::peerNames);
    }

    public long epoch() {
        return guard.call(record::epoch);
    }

    /** The current migration certificate (opaque bytes; tests replay it). */
    public byte[] certificate() {
        return guard.call(() -> record.certificate().clone());
    }

    /**
     * The key this connection's certificates are bound to. For tests that play the rightful
     * client on a raw link (a replay of its own certificate must carry its proof).
     */
    public ClientKey clientKey() {
        return key;
    }

    public void addMigrationListener(MigrationListener listener) {
        supervisor.addListener(listener);
    }

    public void shutdownOutput() throws IOException {
        guard.runChecked(() -> {
            end.checkFailure();
            end.checkNotClosed();
            if (outbound.fin() < 0) {
                outbound.fin(outbound.end());
                sendable.signalAll();
            }
        });
    }

    @Override
    protected void checkReadable() throws IOException {
        end.checkNotClosed();
    }

    @Override
    protected boolean inputEnded() throws IOException {
        end.checkFailure();
        return end.is(ClientPhase.PEER_CLOSED);
    }

    @Override
    protected void checkWritable() throws IOException {
        end.checkNotClosed();
        end.checkFailure();
        if (outbound.fin() >= 0) {
            throw new SocketException("output is shut down");
        }
        if (end.is(ClientPhase.PEER_CLOSED)) {
            throw new SocketException("connection " + id + " was closed by the server");
        }
    }

    @Override
    protected void checkUsable() throws IOException {
        end.checkFailure();
    }

    @Override
    protected void closeByApplication() {
        close();
    }

    @Override
    protected void appended(int n) {
        requestStarted(); // until its response arrives: keep the base interval
    }

    /**
     * (migflake) Under lock: a request is outstanding from now. On an idle connection the
     * supervisor sleeps untimed (no tick): wake it, or a time-based policy (response time) is
     * evaluated only when the response arrives, too late. Only on the change, not per write.
     */
    private void requestStarted() {
        boolean wasActive = isActive();
        keepalive.requestPending(true);
        if (!wasActive) {
            changed.signalAll();
        }
    }

    @Override
    protected void wrote(int total) {
        policies.bytesSent(total, System.nanoTime());
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
            if (!end.closeByApplication(options.connectTimeout().toNanos())) {
                return null;
            }
            inbound.discard(); // unread bytes are dropped
            ackNow();
            if (end.lingering()) {
                if (outbound.fin() < 0) {
                    outbound.fin(outbound.end());
                }
                signalEveryone();
                return null;
            }
            signalEveryone();
            return links.current();
        });
        if (link != null) {
            link.close();
        }
    }

    /** True once the connection is over: closed and delivered, closed by the server, or failed. */
    public boolean isFinished() {
        return end.stopped();
    }

    // ------------------------------------------------------------------ link callbacks

    /** DATA payload bytes from {@code link}'s decoder, straight into the inbound buffer. */
    void onData(ClientLink link, long frameOffset, int frameLength, int pos, byte[] src, int off, int len)
            throws ProtocolException {
        long now = System.nanoTime();
        int newBytes;
        guard.lock(); // the data path: no lambda per piece
        try {
            if (!links.isCurrent(link)) {
                return;
            }
            keepalive.heard();
            newBytes = acceptData(frameOffset, frameLength, pos, src, off, len, now);
            if (newBytes > 0) {
                supervisor.onProgress(); // the holder delivers: the policy migrations so far helped
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
            if (!links.isCurrent(link)) {
                return -2L;
            }
            keepalive.heard();
            received(f);
            long sample = -1;
            switch (f) {
                case Frame.Ack a -> {
                    holderReplicates |= a.replicated() || a.stable() < a.received();
                    acceptAck(a);
                }
                case Frame.Fin fin -> acceptFin(fin);
                case Frame.Close c -> {
                    end.peerClosed();
                    signalEveryone();
                }
                case Frame.Pong p -> sample = record.roundTrip(now - p.nonce());
                case Frame.Reset r -> {
                    IOException reset = new ConnectionResetException(r.code().label(), "connection " + id
                            + " reset by " + link.server + ": " + r.message());
                    if (end.fail(reset)) {
                        LOG.warn("{}", reset.getMessage());
                    }
                    signalEveryone();
                }
                case Frame.MigrateRequest m -> {
                    supervisor.onServerRequest(m.target(), m.reason());
                    changed.signalAll();
                }
                case Frame.Cert c -> {
                    if (record.certified(c)) {
                        supervisor.onPeersChanged();
                    }
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
        if (policies.heard(now, newBytes, rttSample)) {
            supervisor.wake();
        }
    }

    /** The link broke: a holder failure, unless the link was retired or the connection ended. */
    void linkFailed(ClientLink link, String cause) {
        guard.run(() -> linkFailedLocked(link, cause));
    }

    private void linkFailedLocked(ClientLink link, String cause) {
        if (!links.isCurrent(link) || end.stopped()) {
            return;
        }
        supervisor.onLinkFailed(link, cause);
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
                if (!links.isCurrent(link) || end.stopped() || c.closeSent() || supervisor.holderFailed()) {
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
                writeAck(w, now, 0);
                writeFin(c, w);
                if (end.appClosed() && outbound.finAcked() && c.finSent() && !c.closeSent()) {
                    // Everything is delivered: say goodbye so the holder frees the connection.
                    c.closeSent(true);
                    end.done();
                    writeFrame(w, new Frame.Close());
                    signalEveryone();
                    return true;
                }
                if (!w.isEmpty()) {
                    return true;
                }
                idleSince = releaseWhenIdle(idleSince, now, w);
                long wait = Math.min(keepalive.nanosToNextEvent(now), Math.min(ackDueInNanos(now), IDLE_RELEASE_NANOS));
                guard.awaitNanos(sendable, wait);
            }
        } catch (java.io.InterruptedIOException e) {
            return false;
        } finally {
            guard.unlock();
        }
    }

    // ------------------------------------------------------------------ for the MigrationSupervisor

    /** Under lock: wakes everyone waiting on the connection (the holder failed, a link changed). */
    void wakeAll() {
        signalEveryone();
    }

    /** The connection failed for good: the application's next call throws {@code e}. */
    void fail(IOException e) {
        ClientLink link;
        guard.lock();
        try {
            if (!end.fail(e)) {
                return;
            }
            signalEveryone();
            link = links.current();
        } finally {
            guard.unlock();
        }
        LOG.warn("connection {} failed: {}", id, e.getMessage());
        if (link != null) {
            link.close();
        }
    }

    /** True once the connection is over (finished or failed): the supervisor stops. */
    boolean isOver() {
        return end.stopped();
    }

    /** Under lock: data flows or a request waits for its answer (time-based policies tick). */
    boolean isActive() {
        return keepalive.mode() == KeepaliveSchedule.Mode.ACTIVE || keepalive.isRequestPending();
    }

    /** Under lock: nanoseconds left of the close linger, or -1 when not lingering. */
    long lingerNanos() {
        return end.lingerNanos();
    }

    /** Ends a closed connection whose holder did not acknowledge the end within the linger. */
    boolean abandonIfLingerExpired(long now) {
        ClientLink abandoned = guard.call(() -> {
            if (!end.lingerExpired(now)) {
                return null;
            }
            LOG.debug("connection {}: the holder did not acknowledge the end within {} ms; abandoned",
                    id, options.connectTimeout().toMillis());
            end.done();
            signalEveryone();
            return links.current();
        });
        if (abandoned == null) {
            return false;
        }
        abandoned.close();
        return true;
    }

    boolean isClosing() {
        return guard.call(end::appClosed);
    }

    boolean isServerClosed() {
        return end.is(ClientPhase.PEER_CLOSED);
    }

    /**
     * (migflake) Whether the holder finished sending: its FIN arrived (its CLOSE follows once the
     * FIN is acknowledged, and it forgets the connection then) or its CLOSE did. A migration has
     * nothing left to move; one attempted now races the holder dropping the connection.
     */
    boolean serverFinished() {
        return guard.call(() -> inbound.fin() >= 0 || end.is(ClientPhase.PEER_CLOSED));
    }

    /** Throws if the connection failed, or (unless failing over) if the application closed it. */
    void checkMigratable(boolean failover) throws IOException {
        guard.runChecked(() -> {
            end.checkFailure();
            if (end.appClosed() && !failover) {
                throw new SocketException("socket is closed");
            }
        });
    }

    void throwIfFailed() throws IOException {
        guard.runChecked(end::checkFailure);
    }

    /** Under lock: {@code link} is still the live current link of a live connection. */
    boolean isCurrentAndLive(ClientLink link) {
        return link != null && links.isCurrent(link) && !end.stopped();
    }

    /** The pool members known now, in pool order. */
    @Override
    protected long freeableBelow(long stable) {
        if (migrationPin >= 0 && stable > migrationPin) {
            stableHeldBack = Math.max(stableHeldBack, stable);
            return migrationPin;
        }
        return stable;
    }

    /** Under the lock: a HELLO{migrate} promising {@code acked} goes out (see {@link #migrationPin}). */
    void pinForMigration(long acked) {
        migrationPin = migrationPin >= 0 ? Math.min(migrationPin, acked) : acked;
    }

    /**
     * A migration attempt ended: bytes may be freed again. Still on the old holder ({@code
     * switched} false: refused or failed), what it made stable meanwhile is freed now (it may send
     * no other ACK: a writer blocked on a full window would wait for ever). On a new holder, that
     * old holder's {@code stable} means nothing: the new one resumed from its own state.
     */
    void unpinAfterMigration(boolean switched) {
        guard.run(() -> unpinLocked(switched));
    }

    /**
     * {@link #unpinAfterMigration} under the lock; {@link HolderLinks#switchTo} calls it as it
     * switches, before the new link starts: an ACK of the new holder's must not be held back.
     */
    void unpinLocked(boolean switched) {
        long heldBack = stableHeldBack;
        migrationPin = -1;
        stableHeldBack = -1;
        if (!switched && heldBack > outbound.acked()) {
            outbound.acknowledged(Math.min(heldBack, outbound.end()));
            writable.signalAll();
            sendable.signalAll();
        }
    }

    /** Whether a holder of this connection was seen replicating its state (ACK stable below received). */
    boolean holderReplicates() {
        return guard.call(() -> holderReplicates);
    }

    Map<String, InetSocketAddress> peerAddresses() {
        return guard.call(record::peerAddresses);
    }

    /** The service address of pool member {@code name}, or null if it is not one (any more). */
    InetSocketAddress addressOf(String name) {
        return guard.call(() -> record.addressOf(name));
    }

    /** HELLO{standby} with the current certificate: opens a standby link (version 3). */
    Frame.Hello standbyHello() {
        return links.standbyHello();
    }

    // ------------------------------------------------------------------ migration handshake

    /** See {@link org.mtcp.core.MtcpSocket#migrate(String)}; {@code failover}: the holder failed. */
    public MigrationEvent migrate(String target, String reason, boolean failover) throws IOException {
        return supervisor.migrate(target, reason,
                failover ? MigrationSupervisor.Cause.FAILOVER : MigrationSupervisor.Cause.EXPLICIT);
    }

    /** HELLO{migrate} to {@code name} and its WELCOME (see {@link HolderLinks#handshake}). */
    Handshake handshake(String name, StandbyLink standby) throws IOException {
        return links.handshake(name, standby);
    }

    /** Moves the connection to the server that answered {@code h} (see {@link HolderLinks#switchTo}). */
    void switchTo(Handshake h) throws IOException {
        links.switchTo(h);
    }

    /**
     * Under lock: a new link to the holder is current, the first one or (when {@code migrated})
     * the new holder's: the keepalive clock restarts, the holder hears our position at once.
     */
    void linkedLocked(boolean migrated) {
        keepalive.restart(System.nanoTime());
        if (migrated) {
            supervisor.onHolderReplaced();
        }
        ackNow();
        if (migrated) {
            signalEveryone();
        }
    }

    /** See {@link org.mtcp.core.MtcpSocket#signalResponse}. */
    public void signalResponse(org.mtcp.core.policy.ResponseSignal signal) {
        guard.run(() -> {
            switch (signal) {
                case FRAMED -> responsesFramed = true;
                case REQUEST_SENT -> requestStarted();
                case COMPLETE -> keepalive.requestPending(false);
                case LOST -> responsesFramed = false;
            }
        });
        long now = System.nanoTime();
        if (signal == org.mtcp.core.policy.ResponseSignal.COMPLETE) {
            // a response ended: the next request has its own budget
            guard.run(supervisor::onProgress);
        }
        policies.responseSignal(signal, now);
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
