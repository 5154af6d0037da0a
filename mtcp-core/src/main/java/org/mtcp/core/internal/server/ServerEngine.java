package org.mtcp.core.internal.server;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
import org.mtcp.core.internal.cert.Certificate;
import org.mtcp.core.internal.cert.CertificateAuthority;
import org.mtcp.core.internal.cert.CertificateException;
import org.mtcp.core.internal.cert.Hmac;
import org.mtcp.core.internal.control.ControlClient;
import org.mtcp.core.internal.control.ControlCodec;
import org.mtcp.core.internal.control.ControlServer;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferContext;
import org.mtcp.core.transfer.TransferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link org.mtcp.core.MtcpServer}: the service listener and its handshakes
 * (new connections, takeovers), the control listener (handing connections out), the connection
 * table and the housekeeping (orphans, certificate refresh, tombstones).
 *
 * <p>Takeover, as built (docs/protocol.md, section 6, "Migration"): verify the certificate; refuse a stale one (this server
 * or a tombstone knows a later epoch); fetch the state through the {@link
 * org.mtcp.core.transfer.StateTransfer} (the holder freezes the connection, fencing its epoch);
 * install the connection at epoch + 1; answer WELCOME with a new certificate; queue it for
 * {@code accept()}. The sender then starts from the client's position, first with the retained
 * copy, then with what the application regenerates beyond it.
 */
public final class ServerEngine implements TransferContext, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerEngine.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A handshake refused: the RESET sent to the client. */
    private static final class Refusal extends Exception {
        final ResetCode code;
        final String hint;

        Refusal(ResetCode code, String message, String hint) {
            super(message, null, false, false);
            this.code = code;
            this.hint = hint == null ? "" : hint;
        }
    }

    private final String name;
    private final ServerOptions options;
    private final Clock clock;
    private volatile PoolConfig pool;
    private final CertificateAuthority certificates;
    private final ServerSocket service;
    private final ServerSocket controlListener;
    private final ControlServer controlServer;
    private final ControlClient controlClient;
    private final ConnectionTable table;
    private final Set<Socket> handshaking = ConcurrentHashMap.newKeySet();
    private final ReentrantLock acceptLock = new ReentrantLock();
    private final Condition acceptable = acceptLock.newCondition();
    private final ArrayDeque<ServerConnection> acceptQueue = new ArrayDeque<>();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong migratedIn = new AtomicLong();
    private final AtomicLong migratedOut = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile boolean closed;
    /** Draining: handshakes are refused (shutdown) while the clients move away. */
    private volatile boolean draining;

    private ServerEngine(PoolConfig pool, String name, ServerOptions options, Clock clock,
            ServerSocket service, ServerSocket controlListener) {
        this.pool = pool;
        this.name = name;
        this.options = options;
        this.clock = clock;
        this.service = service;
        this.controlListener = controlListener;
        byte[] secret = pool.secret();
        this.certificates = new CertificateAuthority(secret, options.certificateLifetime(), clock);
        byte[] controlKey = Hmac.derive(secret, Hmac.CONTROL_KEY);
        int maxControlFrame = (int) Math.min(Integer.MAX_VALUE - 64, (long) options.maxSnapshotSize()
                + 2L * options.maxRetainedBytes() + 2L * options.maxFrameSize() + ControlCodec.STATE_OVERHEAD);
        this.table = new ConnectionTable(Math.max(1024, 2 * options.maxConnections()));
        this.controlClient = new ControlClient(controlKey, name, millis(options.controlTimeout()), maxControlFrame);
        this.controlServer = new ControlServer(controlListener, controlKey, name,
                member -> this.pool.member(member).isPresent(), this::handOut,
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
        return new ServerStats(accepted.get(), migratedIn.get(), migratedOut.get(), rejected.get(), table.size());
    }

    /** The connection this server holds now under {@code id}, or null (tests, diagnostics). */
    public ServerConnection connection(ConnectionId id) {
        return table.get(id);
    }

    /**
     * Replaces the view of the pool (members added or removed, real ports after binding port 0).
     * The secret must not change; this server's own entry must still be there. When the members
     * changed, every connection held here gets a fresh certificate with the new peer list (CERT),
     * so its client migrates only to current members.
     */
    public void updatePool(PoolConfig next) {
        if (!Arrays.equals(next.secret(), pool.secret())) {
            throw new IllegalArgumentException("the pool secret cannot change while a server runs");
        }
        if (next.member(name).isEmpty()) {
            throw new IllegalArgumentException("the new pool has no server named '" + name + "'");
        }
        PoolConfig previous = pool;
        pool = next;
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

    /**
     * Whether the stream starts with an ASCII capital: an HTTP request line (or other text), never
     * an M-TCP frame, whose 4-byte length would then exceed any frame size. Peeks one byte.
     */
    private static boolean startsWithText(PushbackInputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return false;
        }
        in.unread(first);
        return first >= 'A' && first <= 'Z';
    }

    /** A plain HTTP client (curl, a browser) at a service port: an answer it can show, not a binary RESET. */
    private void answerNotMtcp(Socket s) {
        byte[] body = ("This is the M-TCP service port of server " + name + ", not HTTP: connect through "
                + "./mtcp proxy --pool FILE --listen HOST:PORT, or with an MtcpSocket (docs/cli.md).\n")
                .getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n";
        try {
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (IOException e) {
            LOG.debug("{}: plain client at {} gone before the answer: {}", name, s.getRemoteSocketAddress(), e.toString());
        }
        LOG.debug("{}: plain (non-M-TCP) client at {} told to use the proxy", name, s.getRemoteSocketAddress());
    }

    // ------------------------------------------------------------------ accept

    public ServerConnection accept(long timeoutNanos) throws IOException {
        acceptLock.lock();
        try {
            long remaining = timeoutNanos;
            while (acceptQueue.isEmpty()) {
                if (closed) {
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

    private void enqueue(ServerConnection c) {
        acceptLock.lock();
        try {
            acceptQueue.add(c);
            acceptable.signal();
        } finally {
            acceptLock.unlock();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = service.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("{}: service listener failed: {}", name, e.toString());
                }
                return;
            }
            if (handshaking.size() >= options.maxConnections()) {
                rejected.incrementAndGet();
                closeQuietly(s);
                continue;
            }
            handshaking.add(s);
            Threads.start("mtcp-handshake-" + name, () -> handshake(s));
        }
    }

    // ------------------------------------------------------------------ handshake

    private void handshake(Socket s) {
        boolean handedOff = false;
        ServerLink link = null;
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(millis(options.handshakeTimeout()));
            PushbackInputStream in = new PushbackInputStream(s.getInputStream(), 1);
            FrameReader<Frame> reader = new FrameReader<>(in, new FrameDecoder(options.maxFrameSize()));
            link = new ServerLink(s, reader);
            Frame f;
            try {
                if (startsWithText(in)) {
                    rejected.incrementAndGet();
                    answerNotMtcp(s);
                    return;
                }
                f = reader.read();
            } catch (SocketTimeoutException e) {
                throw new Refusal(ResetCode.LIMIT_EXCEEDED, "no HELLO within the handshake timeout of "
                        + options.handshakeTimeout().toMillis() + " ms", "");
            } catch (ProtocolException e) {
                throw new Refusal(ResetCode.PROTOCOL_ERROR, "bad handshake: " + e.getMessage(), "");
            }
            if (f == null) {
                rejected.incrementAndGet();
                return;
            }
            if (!(f instanceof Frame.Hello h)) {
                throw new Refusal(ResetCode.PROTOCOL_ERROR, "expected HELLO, got " + f.type(), "");
            }
            if (!FrameDecoder.spoken(h.version())) {
                throw new Refusal(ResetCode.UNSUPPORTED_VERSION, "protocol version " + h.version()
                        + " is not supported (this server speaks " + Wire.VERSION + " to "
                        + Wire.SERVICE_VERSION + ")", "");
            }
            link.clientVersion = h.version();
            if (closed || draining) {
                throw new Refusal(ResetCode.SHUTDOWN, "server " + name + " is shutting down", "");
            }
            handedOff = h.kind() == Frame.HelloKind.NEW ? openNew(link, h) : takeOver(link, h);
        } catch (Refusal r) {
            rejected.incrementAndGet();
            LOG.debug("{}: refused handshake from {}: {} {}", name, s.getRemoteSocketAddress(), r.code, r.getMessage());
            if (link != null) {
                try {
                    link.writeNow(FrameEncoder.encode(new Frame.Reset(r.code, r.getMessage(), r.hint)));
                } catch (IOException ignored) {
                    // the client is gone; nothing to tell
                }
            }
        } catch (IOException | RuntimeException e) {
            rejected.incrementAndGet();
            LOG.debug("{}: handshake from {} failed: {}", name, s.getRemoteSocketAddress(), e.toString());
        } finally {
            handshaking.remove(s);
            if (!handedOff) {
                if (link != null) {
                    gracefulClose(s);
                } else {
                    closeQuietly(s);
                }
            }
        }
    }

    private boolean openNew(ServerLink link, Frame.Hello h) throws Refusal, IOException {
        checkCapacity();
        ConnectionId id = ConnectionId.random();
        ServerConnection conn = ServerConnection.fresh(this, id);
        try {
            conn.attach(link, h);
        } catch (ProtocolException e) {
            throw new Refusal(ResetCode.PROTOCOL_ERROR, e.getMessage(), "");
        }
        Certificate cert = certificates.issue(id, 0, name);
        conn.setCertificate(cert);
        table.put(conn);
        try {
            link.writeNow(FrameEncoder.encode(welcome(link, conn, cert)));
        } catch (IOException e) {
            table.remove(id, conn);
            throw e;
        }
        link.start(conn, silenceTimeout(h));
        accepted.incrementAndGet();
        enqueue(conn);
        LOG.debug("{}: new connection {} from {}", name, id, link.remote);
        return true;
    }

    private boolean takeOver(ServerLink link, Frame.Hello h) throws Refusal, IOException {
        Certificate c;
        try {
            c = certificates.verify(h.certificate(), h.id(), h.epoch());
        } catch (CertificateException e) {
            throw new Refusal(e.code(), e.getMessage(), "");
        }
        if (pool.member(c.holder()).isEmpty()) {
            throw new Refusal(ResetCode.BAD_CERTIFICATE, "certificate names holder '" + c.holder()
                    + "', which is not in this pool", "");
        }
        ConnectionId id = h.id();
        ServerConnection existing = table.get(id);
        if (existing != null && existing.epoch() > c.epoch()) {
            if (existing.epoch() == c.epoch() + 1) {
                switch (existing.readmission(c.mac())) {
                    case READMIT -> {
                        return readmit(existing, link, h);
                    }
                    case BUSY -> throw new Refusal(ResetCode.BUSY, "connection " + id
                            + " is being attached here with this certificate; ask again", "");
                    case NO -> { }
                }
            }
            throw new Refusal(ResetCode.STALE_CERTIFICATE, "certificate for epoch " + c.epoch()
                    + " is stale: connection " + id + " is at epoch " + existing.epoch() + " on " + name, name);
        }
        ConnectionTable.Tombstone t = table.tombstone(id);
        if (existing == null && t != null && t.epoch() >= c.epoch()) {
            throw new Refusal(ResetCode.STALE_CERTIFICATE, "certificate for epoch " + c.epoch()
                    + " is stale: connection " + id + " left epoch " + t.epoch() + " for " + t.newHolder(),
                    t.newHolder());
        }
        checkCapacity();
        if (!table.beginTakeover(id)) {
            throw new Refusal(ResetCode.BUSY, "a migration of connection " + id
                    + " is already in progress at " + name, "");
        }
        ConnectionState st;
        try {
            st = options.stateTransfer().acquire(id, c.epoch(), c.holder(), this);
        } catch (TransferException e) {
            table.endTakeover(id);
            throw switch (e.reason()) {
                case MOVED -> new Refusal(ResetCode.STALE_CERTIFICATE, "certificate for epoch " + c.epoch()
                        + " is stale: " + e.getMessage(), e.hint());
                case UNKNOWN -> new Refusal(ResetCode.UNKNOWN_CONNECTION, e.getMessage(), "");
                case UNREACHABLE -> new Refusal(ResetCode.HOLDER_UNREACHABLE, "cannot take connection " + id
                        + " over: " + e.getMessage(), "");
                case REFUSED -> new Refusal(ResetCode.OTHER, "cannot take connection " + id
                        + " over: " + e.getMessage(), "");
            };
        } catch (IOException | RuntimeException e) {
            table.endTakeover(id);
            throw new Refusal(ResetCode.OTHER, "cannot take connection " + id + " over: " + e, "");
        }
        try {
            ServerConnection conn = ServerConnection.takenOver(this, st, c.mac());
            Certificate next = certificates.issue(id, conn.epoch(), name);
            conn.setCertificate(next);
            table.put(conn);
            migratedIn.incrementAndGet();
            try {
                conn.attach(link, h);
            } catch (ProtocolException e) {
                conn.reset(ResetCode.PROTOCOL_ERROR, "connection " + id + ": " + e.getMessage());
                throw new Refusal(ResetCode.PROTOCOL_ERROR, e.getMessage(), "");
            }
            enqueue(conn);
            try {
                link.writeNow(FrameEncoder.encode(welcome(link, conn, next)));
            } catch (IOException e) {
                // The client may come back with the same certificate (see ServerConnection.readmission).
                conn.linkEnded(link, "WELCOME could not be sent: " + e);
                throw e;
            }
            link.start(conn, silenceTimeout(h));
            LOG.debug("{}: took connection {} over from {} at epoch {} ({} bytes of state)", name, id,
                    c.holder(), conn.epoch(), st.sizeInBytes());
            return true;
        } finally {
            table.endTakeover(id);
        }
    }

    /** A client that lost our WELCOME came back with the certificate that brought it here. */
    private boolean readmit(ServerConnection conn, ServerLink link, Frame.Hello h) throws Refusal, IOException {
        try {
            conn.attach(link, h);
        } catch (ProtocolException e) {
            throw new Refusal(ResetCode.PROTOCOL_ERROR, e.getMessage(), "");
        }
        link.writeNow(FrameEncoder.encode(welcome(link, conn, conn.certificate())));
        link.start(conn, silenceTimeout(h));
        LOG.debug("{}: readmitted connection {} at epoch {}", name, conn.id(), conn.epoch());
        return true;
    }

    private void checkCapacity() throws Refusal {
        if (table.size() >= options.maxConnections()) {
            throw new Refusal(ResetCode.LIMIT_EXCEEDED, "server " + name + " holds " + table.size()
                    + " connections, its maxConnections", "");
        }
    }

    /** WELCOME in the version of the client's HELLO on {@code link}. */
    private Frame.Welcome welcome(ServerLink link, ServerConnection conn, Certificate cert) {
        return new Frame.Welcome(link.clientVersion, conn.id(), conn.epoch(), name, cert.encode(),
                conn.receivedOffset(), conn.windowEndOffset(), options.maxFrameSize(),
                millis(options.keepaliveInterval()), announcedPeers());
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

    private int silenceTimeout(Frame.Hello h) {
        long interval = Math.max(h.keepaliveMillis(), options.keepaliveInterval().toMillis());
        return (int) Math.min(Integer.MAX_VALUE, interval * options.missedKeepalives());
    }

    // ------------------------------------------------------------------ holder side of a transfer

    /**
     * Freezes {@code id} at {@code epoch} and hands its state to {@code requester}, once. The
     * same requester retrying the same request gets the same state back (its reply was lost).
     */
    ConnectionState handOut(ConnectionId id, long epoch, String requester, long requestId) throws TransferException {
        ConnectionTable.Tombstone t = table.tombstone(id);
        if (t != null && t.epoch() == epoch && t.newHolder().equals(requester) && t.requestId() == requestId
                && t.state() != null) {
            return t.state();
        }
        ServerConnection conn = table.get(id);
        if (conn == null) {
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
        migratedOut.incrementAndGet();
        LOG.debug("{}: handed connection {} epoch {} to {}", name, id, epoch, requester);
        return st;
    }

    @Override
    public ConnectionState fetch(String holder, ConnectionId id, long epoch) throws IOException {
        long requestId = RANDOM.nextLong();
        if (holder.equals(name)) {
            return handOut(id, epoch, name, requestId);
        }
        PoolMember member = pool.member(holder).orElseThrow(() -> new TransferException(
                TransferException.Reason.UNKNOWN, "holder " + holder + " is not in this pool", ""));
        return controlClient.fetch(member, id, epoch, requestId);
    }

    // ------------------------------------------------------------------ housekeeping, close

    private void housekeeping() {
        long tickMillis = Math.max(10, Math.min(250, options.keepaliveInterval().toMillis() / 2));
        long orphanNanos = options.orphanTimeout().toNanos();
        long graceNanos = 4 * options.controlTimeout().toNanos();
        long ttlNanos = options.certificateLifetime().toNanos();
        while (!closed) {
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
        if (closed) {
            return 0;
        }
        draining = true;
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
        if (closed) {
            return;
        }
        closed = true;
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
        return closed;
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** After a refusal: let the RESET arrive before the close (no RST on unread input). */
    private static void gracefulClose(Socket s) {
        try {
            s.shutdownOutput();
            s.setSoTimeout(200);
            byte[] sink = new byte[4096];
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (System.nanoTime() < deadline && s.getInputStream().read(sink) >= 0) {
                // drain whatever the client still sends until it closes
            }
        } catch (IOException ignored) {
            // the client is gone or silent
        } finally {
            closeQuietly(s);
        }
    }
}
