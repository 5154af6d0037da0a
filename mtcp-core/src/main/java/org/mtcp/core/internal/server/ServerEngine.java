package org.mtcp.core.internal.server;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.ServerStats;
import org.mtcp.core.ValueSyntax;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.internal.cert.CertificateAuthority;
import org.mtcp.core.internal.cert.Hmac;
import org.mtcp.core.internal.cert.KeyRing;
import org.mtcp.core.internal.control.ControlClient;
import org.mtcp.core.internal.control.ControlCodec;
import org.mtcp.core.internal.control.ControlServer;
import org.mtcp.core.internal.stream.Lifecycle;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferContext;
import org.mtcp.core.transfer.TransferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link org.mtcp.core.MtcpServer}: the service listener (its handshakes are
 * the {@link Admission}'s), the control listener (handing connections out), the connection
 * table, the accept queue and the housekeeping (orphans, certificate refresh, tombstones).
 */
public final class ServerEngine implements TransferContext, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerEngine.class);
    private static final Runnable NOTHING = () -> { };

    private final String name;
    private final ServerOptions options;
    private final Clock clock;
    private volatile PoolConfig pool;
    private final CertificateAuthority certificates;
    /** The control keys of the pool's secrets; swapped with the certificate keys by {@link #updatePool}. */
    private final KeyRing controlKeys;
    private final ServerSocket service;
    private final ServerSocket controlListener;
    private final ControlServer controlServer;
    private final ControlClient controlClient;
    private final ConnectionTable table;
    /** Other holders' states kept here (replicated transfer). */
    private final ReplicaStore replicas;
    /** The handshakes: new connections, takeovers, readmissions, standby links. */
    private final Admission admission;
    private final Set<Socket> handshaking = ConcurrentHashMap.newKeySet();
    private final ReentrantLock acceptLock = new ReentrantLock();
    private final Condition acceptable = acceptLock.newCondition();
    private final ArrayDeque<ServerConnection> acceptQueue = new ArrayDeque<>();
    /**
     * FETCH request ids: unique per requester (a retry reuses its id; the holder matches id and
     * requester), so a counter from a random start (a restarted server does not repeat its
     * predecessor's ids) rather than a SecureRandom draw per migration.
     */
    private final ServerCounters counters = new ServerCounters();
    private final TakeoverReplicas takeovers;
    private final AtomicLong requestIds = new AtomicLong(new SecureRandom().nextLong());
    /**
     * Running, draining (handshakes refused while the clients move away), closed. Moved without a
     * lock, as the two flags it replaced were: the phase is volatile, and only close() ends it.
     */
    private final Lifecycle<EnginePhase> phase = EnginePhase.lifecycle();

    private ServerEngine(PoolConfig pool, String name, ServerOptions options, Clock clock,
            ServerSocket service, ServerSocket controlListener) {
        this.pool = pool;
        this.name = name;
        this.options = options;
        this.clock = clock;
        this.service = service;
        this.controlListener = controlListener;
        this.certificates = new CertificateAuthority(pool, options.certificateLifetime(), clock);
        this.controlKeys = new KeyRing(pool, Hmac.CONTROL_KEY, clock);
        KeyRing controlKey = controlKeys;
        int maxControlFrame = (int) Math.min(Integer.MAX_VALUE - 64, (long) options.maxSnapshotSize()
                + 2L * options.maxRetainedBytes() + 2L * options.maxFrameSize() + ControlCodec.STATE_OVERHEAD);
        this.table = new ConnectionTable(Math.max(1024, 2 * options.maxConnections()));
        this.controlClient = new ControlClient(controlKey, name, millis(options.controlTimeout()), maxControlFrame);
        this.admission = new Admission(this);
        this.replicas = new ReplicaStore(this, Math.max(1024, 2 * options.maxConnections()));
        this.takeovers = new TakeoverReplicas(replicas, name);
        this.controlServer = new ControlServer(controlListener, controlKey, name,
                member -> this.pool.member(member).isPresent(), this::handOut, replicas,
                millis(options.handshakeTimeout()), maxControlFrame, Math.max(64, this.pool.members().size() * 64));
    }

    public static ServerEngine start(PoolConfig pool, String name, ServerOptions options, Clock clock)
            throws IOException {
        PoolMember me = pool.member(name).orElseThrow(() -> new IllegalArgumentException(
                "no server named '" + name + "' in the pool (members: "
                        + pool.members().stream().map(PoolMember::name).toList() + ")"));
        ServerSocket service = bind(me.service(), "service", name);
        ServerSocket control;
        try {
            control = bind(me.control(), "control", name);
        } catch (IOException e) {
            service.close();
            throw e;
        }
        ServerEngine engine = new ServerEngine(pool, name, options, clock, service, control);
        engine.controlServer.start();
        Threads.start("mtcp-accept-" + name, engine::acceptLoop);
        Threads.start("mtcp-housekeeping-" + name, engine::housekeeping);
        LOG.info("{}: serving on {} (control {}), transfer {}", name, engine.serviceAddress(),
                engine.controlAddress(), options.stateTransfer().name());
        return engine;
    }

    private static ServerSocket bind(InetSocketAddress address, String what, String name) throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            InetSocketAddress a = address.isUnresolved()
                    ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
            s.bind(a, 1024);
            return s;
        } catch (IOException e) {
            s.close();
            throw new IOException(name + ": cannot bind the " + what + " address " + ValueSyntax.format(address) + ": " + e.getMessage(), e);
        }
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    // ------------------------------------------------------------------ accessors

    public String name() {
        return name;
    }

    @Override
    public String localName() {
        return name;
    }

    public ServerOptions options() {
        return options;
    }

    public PoolConfig pool() {
        return pool;
    }

    Clock clock() {
        return clock;
    }

    ConnectionTable table() {
        return table;
    }

    CertificateAuthority certificates() {
        return certificates;
    }

    public InetSocketAddress serviceAddress() {
        return (InetSocketAddress) service.getLocalSocketAddress();
    }

    public InetSocketAddress controlAddress() {
        return (InetSocketAddress) controlListener.getLocalSocketAddress();
    }

    public ServerStats stats() {
        return counters.stats(table.size(), replicas.size());
    }

    /** The connection this server holds now under {@code id}, or null (tests, diagnostics). */
    public ServerConnection connection(ConnectionId id) {
        return table.get(id);
    }

    /**
     * Replaces the view of the pool (members added or removed, real ports after binding port 0,
     * a secret rotation); this server's own entry must still be there. When the members or the
     * signing secret changed, every connection held here gets a fresh certificate (CERT): with the
     * new peer list, so its client migrates only to current members; signed with the new secret,
     * so it outlives the old secret's overlap. Established control channels keep their session keys.
     */
    public void updatePool(PoolConfig next) {
        if (next.member(name).isEmpty()) {
            throw new IllegalArgumentException("the new pool has no server named '" + name + "'");
        }
        PoolConfig previous = pool;
        pool = next;
        controlKeys.update(next);
        if (certificates.updateSecrets(next)) {
            for (ServerConnection c : table.all()) {
                c.refreshCertificate();
            }
            LOG.info("{}: now signing with a new pool secret ({} previous one(s) listed); {} connection(s) given new"
                    + " certificates", name, next.previousSecrets().size(), table.size());
        }
        for (PoolMember m : previous.members()) {
            if (!next.members().contains(m)) {
                controlClient.forget(m.name());
            }
        }
        if (!previous.members().equals(next.members())) {
            // Clients learn the members only from WELCOME and CERT: send every connection held
            // here a fresh certificate with the new peer list now, not at its next refresh.
            for (ServerConnection c : table.all()) {
                c.refreshCertificate();
            }
            LOG.info("{}: pool updated to {}; {} connection(s) told", name,
                    next.members().stream().map(PoolMember::name).toList(), table.size());
        }
    }

    // ------------------------------------------------------------------ accept

    public ServerConnection accept(long timeoutNanos) throws IOException {
        acceptLock.lock();
        try {
            long remaining = timeoutNanos;
            while (acceptQueue.isEmpty()) {
                if (closed()) {
                    throw new IOException("server " + name + " is closed");
                }
                if (timeoutNanos < 0) {
                    acceptable.await();
                } else {
                    if (remaining <= 0) {
                        return null;
                    }
                    remaining = acceptable.awaitNanos(remaining);
                }
            }
            return acceptQueue.poll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while accepting");
        } finally {
            acceptLock.unlock();
        }
    }

    // ------------------------------------------------------------------ for the Admission

    ServerCounters counters() {
        return counters;
    }

    TakeoverReplicas takeovers() {
        return takeovers;
    }

    void handshakeEnded(Socket s) {
        handshaking.remove(s);
    }

    /** Closing or draining: handshakes are refused ({@code shutdown}). */
    boolean refusesHandshakes() {
        return !phase.is(EnginePhase.RUNNING);
    }

    /** Opens a control channel to {@code holder} ahead of a FETCH, unless one is idle already. */
    void warmControlChannel(PoolMember holder) {
        if (!holder.name().equals(name)) {
            controlClient.warm(holder);
        }
    }

    void enqueue(ServerConnection c) {
        acceptLock.lock();
        try {
            acceptQueue.add(c);
            acceptable.signal();
        } finally {
            acceptLock.unlock();
        }
    }

    private void acceptLoop() {
        while (!closed()) {
            Socket s;
            try {
                s = service.accept();
            } catch (IOException e) {
                if (!closed()) {
                    LOG.warn("{}: service listener failed: {}", name, e.toString());
                }
                return;
            }
            if (handshaking.size() >= options.maxConnections()) {
                counters.rejected();
                closeQuietly(s);
                continue;
            }
            handshaking.add(s);
            // The thread the accept woke runs the handshake (a client writes its HELLO right
            // after the connect: it is usually there already) and a new thread takes over the
            // accepting: still one thread start per connection, but no longer between the accept
            // and the HELLO, one wake-up less on a cold migration's path (issue 12).
            Threads.start("mtcp-accept-" + name, this::acceptLoop);
            Thread.currentThread().setName("mtcp-handshake-" + name);
            admission.handshake(s);
            return;
        }
    }

    /**
     * The pool's members as clients should reach them, in pool order (WELCOME, and CERT from
     * version 2): members whose service port is not known yet are left out.
     */
    List<Frame.Peer> announcedPeers() {
        List<Frame.Peer> peers = new ArrayList<>();
        for (PoolMember m : pool.members()) {
            InetSocketAddress a = m.name().equals(name) && m.service().getPort() == 0
                    ? advertised(m.service()) : m.service();
            if (a.getPort() != 0 && peers.size() < Wire.MAX_PEERS) {
                peers.add(new Frame.Peer(m.name(), a.getHostString(), a.getPort()));
            }
        }
        return peers;
    }

    /** This server's service address as clients should use it: the configured host, the bound port. */
    private InetSocketAddress advertised(InetSocketAddress configured) {
        return InetSocketAddress.createUnresolved(configured.getHostString(), serviceAddress().getPort());
    }

    // ------------------------------------------------------------------ holder side of a transfer

    /**
     * Freezes {@code id} at {@code epoch} and hands its state to {@code requester}, once. The
     * same requester retrying the same request gets the same state back (its reply was lost).
     */
    ControlServer.HandOut handOut(ConnectionId id, long epoch, String requester, long requestId)
            throws TransferException {
        ConnectionTable.Tombstone t = table.tombstone(id);
        if (t != null && t.epoch() == epoch && t.newHolder().equals(requester) && t.requestId() == requestId
                && t.state() != null) {
            return new ControlServer.HandOut(t.state(), NOTHING);
        }
        ServerConnection conn = table.get(id);
        if (conn == null) {
            // Read the tombstone again: a concurrent hand-out may have buried and removed the
            // connection since the first look (it buries first, so after the miss it is there).
            t = table.tombstone(id);
            if (t != null && t.epoch() >= epoch) {
                throw new TransferException(TransferException.Reason.MOVED, "connection " + id
                        + " left epoch " + t.epoch() + " at " + name + " for " + t.newHolder(), t.newHolder());
            }
            throw new TransferException(TransferException.Reason.UNKNOWN, "unknown connection " + id
                    + ": " + name + " does not hold it", "");
        }
        if (conn.epoch() != epoch) {
            if (conn.epoch() > epoch) {
                throw new TransferException(TransferException.Reason.MOVED, "connection " + id
                        + " is at epoch " + conn.epoch() + " on " + name + ", not " + epoch, name);
            }
            throw new TransferException(TransferException.Reason.UNKNOWN, "connection " + id
                    + " is at epoch " + conn.epoch() + " on " + name + ", not yet at " + epoch, "");
        }
        ConnectionState st = conn.freeze(requester);
        // Tombstone first: a concurrent request sees either the frozen connection or the
        // tombstone (both answer MOVED), never neither.
        table.bury(id, new ConnectionTable.Tombstone(epoch, requester, requestId, st, System.nanoTime()));
        table.remove(id, conn);
        counters.migratedOut(true);
        LOG.debug("{}: handed connection {} epoch {} to {}", name, id, epoch, requester);
        return new ControlServer.HandOut(st, conn::wakeFrozen);
    }

    @Override
    public ConnectionState fetch(String holder, ConnectionId id, long epoch) throws IOException {
        long requestId = requestIds.incrementAndGet();
        if (holder.equals(name)) {
            ControlServer.HandOut h = handOut(id, epoch, name, requestId);
            h.afterReply().run();
            return h.state();
        }
        PoolMember member = pool.member(holder).orElseThrow(() -> new TransferException(
                TransferException.Reason.UNKNOWN, "holder " + holder + " is not in this pool", ""));
        return controlClient.fetch(member, id, epoch, requestId);
    }

    // ------------------------------------------------------------------ replicated transfer

    @Override
    public List<String> replicaRanking(ConnectionId id) {
        List<String> others = new ArrayList<>();
        for (PoolMember m : pool.members()) {
            if (!m.name().equals(name)) {
                others.add(m.name());
            }
        }
        return org.mtcp.core.internal.Rendezvous.rank(id, others);
    }

    @Override
    public void store(String replica, ConnectionState state) throws IOException {
        PoolMember member = pool.member(replica).orElseThrow(() -> new TransferException(
                TransferException.Reason.UNKNOWN, "replica " + replica + " is not in this pool", ""));
        controlClient.store(member, state, requestIds.incrementAndGet());
    }

    @Override
    public ConnectionState replica(ConnectionId id, long epoch) {
        return takeovers.replica(id, epoch);
    }

    /** Replicas of other holders' connections kept here (tests, diagnostics). */
    public int replicasKept() {
        return replicas.size();
    }

    @Override
    public ConnectionState claimReplica(ConnectionId id, long epoch, String holder, long clientAcked) {
        return takeovers.claim(id, epoch, holder, clientAcked);
    }

    /**
     * This server holds connection {@code id} at {@code epoch} or before and {@code newHolder}
     * (another member) has taken it over from there (its STORE of a later epoch, or its FORGET,
     * says so): fenced as if handed out (the application gets {@link org.mtcp.core.MigratedException},
     * a tombstone answers later FETCHes with moved). The client retired this server's link when
     * the new holder answered it, so nothing this connection still had to send reaches it.
     */
    void supersede(ConnectionId id, long epoch, String newHolder) {
        ServerConnection conn = table.get(id);
        if (conn == null || conn.epoch() > epoch || newHolder.equals(name)) {
            return;
        }
        if (conn.fence(newHolder)) {
            table.bury(id, new ConnectionTable.Tombstone(conn.epoch(), newHolder, 0, null, System.nanoTime()));
            table.remove(id, conn);
            counters.migratedOut(false);
            LOG.debug("{}: connection {} epoch {} superseded by {}: fenced", name, id, conn.epoch(), newHolder);
        }
    }

    /**
     * Replicas of {@code id} at {@code epoch} or before are of no more use (the connection ended
     * here, or was taken over here from that epoch): every other member is told to drop them
     * (FORGET), in the background; best effort, the replica stores are bounded anyway.
     */
    void forgetReplicas(ConnectionId id, long epoch) {
        if (closed()) {
            return;
        }
        List<String> ranking = replicaRanking(id);
        Threads.start("mtcp-forget-" + name, () -> {
            for (String r : ranking) {
                PoolMember m = pool.member(r).orElse(null);
                if (m == null) {
                    continue;
                }
                try {
                    controlClient.forget(m, id, epoch, requestIds.incrementAndGet());
                } catch (TransferException e) {
                    // best effort: an unreachable replica's copy is bounded by its store's limits
                    LOG.debug("{}: could not tell {} to forget {}: {}", name, r, id, e.getMessage());
                }
            }
        });
    }

    // ------------------------------------------------------------------ housekeeping, close

    private void housekeeping() {
        long tickMillis = Math.max(10, Math.min(250, options.keepaliveInterval().toMillis() / 2));
        long orphanNanos = options.orphanTimeout().toNanos();
        long graceNanos = 4 * options.controlTimeout().toNanos();
        long ttlNanos = options.certificateLifetime().toNanos();
        while (!closed()) {
            try {
                Thread.sleep(tickMillis); // a periodic timer, not a wait for a condition
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (ServerConnection c : table.all()) {
                c.tick(now, orphanNanos);
            }
            table.expire(now, graceNanos, ttlNanos);
        }
    }

    /**
     * Asks the client of every connection held here to move (MIGRATE_REQUEST, the client picks
     * the next server), refuses new handshakes meanwhile, waits up to {@code timeout} until no
     * connection is held here (each moved away or ended), then {@link #close()}s. Returns the
     * number of connections still held when the wait ended (dropped by the close).
     */
    public int drain(Duration timeout) {
        if (closed()) {
            return 0;
        }
        phase.tryMoveTo(EnginePhase.DRAINING); // a second drain drains again
        for (ServerConnection c : table.all()) {
            try {
                c.requestMigration(null);
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: cannot ask connection {} to migrate: {}", name, c.id(), e.toString());
            }
        }
        try {
            table.awaitEmpty(Math.max(0, timeout.toNanos()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = table.size();
        if (left > 0) {
            LOG.info("{}: drain timeout: {} connection(s) still here, dropped", name, left);
        }
        close();
        return left;
    }

    /**
     * Stops listening and drops every connection held here, as a crash would, except that a
     * hand-out under way (a connection frozen for another server, whose STATE reply is not written
     * yet) completes first, bounded by 4 × the control timeout (the fetcher's timeout applies per
     * read, so a large state may take longer than one control timeout to go out): a migration
     * that has fetched its state is not broken by closing the old holder.
     */
    @Override
    public void close() {
        if (!phase.tryMoveTo(EnginePhase.CLOSED)) {
            return; // closed already
        }
        closeQuietly(service);
        controlServer.close(4 * options.controlTimeout().toMillis());
        controlClient.close();
        for (Socket s : handshaking) {
            closeQuietly(s);
        }
        for (ServerConnection c : table.all()) {
            c.abort("server " + name + " closed");
        }
        table.clear();
        acceptLock.lock();
        try {
            acceptable.signalAll();
        } finally {
            acceptLock.unlock();
        }
        LOG.info("{}: closed", name);
    }

    public boolean isClosed() {
        return closed();
    }

    private boolean closed() {
        return phase.is(EnginePhase.CLOSED);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
