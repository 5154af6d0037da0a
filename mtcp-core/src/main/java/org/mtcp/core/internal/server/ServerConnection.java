package org.mtcp.core.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.mtcp.core.ClientPresence;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.ConnectionResetException;
import org.mtcp.core.LimitExceededException;
import org.mtcp.core.MigratedException;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.core.internal.OffsetBuffer;
import org.mtcp.core.internal.cert.Certificate;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server end of one logical connection at one epoch: the state and the
 * application contract of docs/protocol.md, section 5.
 *
 * <h2>Inbound (client to server)</h2>
 * {@code inLog} holds {@code [inSnap, received)}: every byte received since the last snapshot,
 * read or not, because after a migration the next holder's application reads it again.
 * {@code consumed} is the application's read position inside it. The client may send below
 * {@code inSnap + maxRetainedBytes} (the window), so the log is bounded; an application that
 * reads a full log without ever exporting gets a {@link LimitExceededException} instead of a
 * deadlock.
 *
 * <h2>Outbound (server to client)</h2>
 * {@code out} holds the outbound retention: bytes from the client's acknowledgement to the end
 * of the stream ({@code streamEnd}). {@code appWritten} is the application's write position.
 * After a migration the application restarts at the snapshot's {@code outSnap} while the stream
 * already reaches {@code replayEnd} (what the previous holder wrote): bytes written below
 * {@code replayEnd} are <em>regenerated</em>, compared with the retained copy where it has one,
 * and never sent twice; a difference resets the connection ("non-deterministic replay"). During
 * the replay the copy is kept until regenerated, so the comparison does not depend on timing.
 * New bytes are appended; writers block while the retention is full (back-pressure).
 *
 * <h2>Concurrency</h2>
 * One lock guards everything, with one condition signalled on every change; the application's
 * threads, the link's reader and sender threads and the server's housekeeping all take it.
 * Freezing for a migration happens under the lock, so an application call either completes
 * before the state is captured (and is part of it) or fails with {@link MigratedException}.
 */
public final class ServerConnection implements MtcpServerConnection {

    private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);

    enum State { OPEN, MOVED, RESET }

    private final ServerEngine engine;
    private final ConnectionId id;
    private final long epoch;
    private final boolean migratedIn;
    private final byte[] imported;
    private final int maxRetained;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final InputStream input = new In();
    private final OutputStream output = new Out();

    // Everything below is guarded by lock.
    private State state = State.OPEN;
    private IOException resetCause;
    private byte[] resetFrame;
    private String movedTo;
    private boolean appClosed;
    private boolean clientClosed;
    private boolean finished;

    private final OffsetBuffer inLog;
    private long consumed;
    private long clientFin;

    private final OffsetBuffer out;
    private long appWritten;
    private long replayEnd;
    private long predecessorFin;
    private long serverFin = -1;
    private long acked;
    private boolean finAcked;
    private long clientWindowEnd;
    private int clientMaxPayload = Wire.MIN_MAX_FRAME_SIZE;

    private byte[] snapshot;
    private long outSnap;

    private ServerLink link;
    private long orphanSinceNanos = -1;
    /**
     * Until then {@link #tick} has nothing to do (no orphan deadline, no certificate refresh due),
     * so the housekeeping sweep passes an idle connection with one read, without its lock; 0 makes
     * the next tick look (set whenever the link, the orphan state or the certificate changes).
     */
    private volatile long quietUntilNanos;
    /**
     * Since when the client owes an acknowledgement (DATA sent on the link and not all
     * acknowledged; -1: nothing owed). Clients acknowledge on receipt, so
     * {@code missedKeepalives x keepaliveInterval} of this means the client or its path is gone,
     * whatever its idle keepalive ceiling (the link reader's timeout): a response in progress does
     * not wait minutes to see its client vanish.
     */
    private long ackOwedSince = -1;
    private boolean ackDue;
    private boolean certDue;
    private String migrateTarget;
    private String migrateReason;
    private Certificate certificate;
    private byte[] admittedBy = new byte[0];
    private boolean confirmed;

    private ServerConnection(ServerEngine engine, ConnectionId id, long epoch, boolean migratedIn,
            ConnectionState st) {
        this.engine = engine;
        this.id = id;
        this.epoch = epoch;
        this.migratedIn = migratedIn;
        this.maxRetained = engine.options().maxRetainedBytes();
        if (st == null) {
            imported = new byte[0];
            snapshot = new byte[0];
            inLog = new OffsetBuffer(0);
            out = new OffsetBuffer(0);
            clientFin = -1;
            predecessorFin = -1;
        } else {
            imported = st.snapshot();
            snapshot = st.snapshot();
            inLog = new OffsetBuffer(st.inSnap());
            inLog.append(st.inboundLog(), 0, st.inboundLog().length);
            consumed = st.inSnap();
            clientFin = st.clientFin();
            out = new OffsetBuffer(st.acked());
            out.append(st.outboundRetention(), 0, st.outboundRetention().length);
            acked = st.acked();
            appWritten = st.outSnap();
            outSnap = st.outSnap();
            replayEnd = st.written();
            predecessorFin = st.serverFin();
            clientWindowEnd = st.clientWindowEnd();
        }
    }

    /** A brand-new connection at epoch 0. */
    static ServerConnection fresh(ServerEngine engine, ConnectionId id) {
        return new ServerConnection(engine, id, 0, false, null);
    }

    /** A connection taken over from {@code st}'s holder, at the next epoch. */
    static ServerConnection takenOver(ServerEngine engine, ConnectionState st, byte[] admittedBy) {
        ServerConnection c = new ServerConnection(engine, st.id(), st.epoch() + 1, true, st);
        c.admittedBy = admittedBy.clone();
        return c;
    }

    // ------------------------------------------------------------------ application API

    @Override
    public ConnectionId id() {
        return id;
    }

    @Override
    public long epoch() {
        return epoch;
    }

    @Override
    public boolean migrated() {
        return migratedIn;
    }

    @Override
    public byte[] importState() throws IOException {
        lock.lock();
        try {
            checkUsable();
            return imported.clone();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void exportState(byte[] snap) throws IOException {
        Objects.requireNonNull(snap, "snapshot");
        ConnectionState pushed = null;
        lock.lock();
        try {
            checkUsable();
            if (appClosed) {
                throw new IOException("connection " + id + " is closed");
            }
            if (snap.length > engine.options().maxSnapshotSize()) {
                throw new LimitExceededException("snapshot of " + snap.length
                        + " bytes exceeds maxSnapshotSize " + engine.options().maxSnapshotSize()
                        + " on connection " + id + "; the previous snapshot stays in force");
            }
            snapshot = snap.clone();
            outSnap = appWritten;
            inLog.trimTo(consumed);
            ackDue = true; // the window moved
            changed.signalAll();
            if (engine.options().stateTransfer().pushesOnExport()) {
                pushed = captureState();
            }
        } finally {
            lock.unlock();
        }
        if (pushed != null) {
            engine.options().stateTransfer().exported(pushed, engine);
        }
    }

    @Override
    public InputStream getInputStream() {
        return input;
    }

    @Override
    public OutputStream getOutputStream() {
        return output;
    }

    @Override
    public ClientPresence clientPresence() {
        lock.lock();
        try {
            return presenceLocked();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ClientPresence awaitClient(java.time.Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            ClientPresence p;
            while ((p = presenceLocked()) == ClientPresence.ORPHANED) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return p;
                }
                changed.awaitNanos(left);
            }
            return p;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the client of " + id);
        } finally {
            lock.unlock();
        }
    }

    private ClientPresence presenceLocked() {
        if (state != State.OPEN || clientClosed || finished) {
            return ClientPresence.GONE;
        }
        return link == null ? ClientPresence.ORPHANED : ClientPresence.LINKED;
    }

    @Override
    public void requestMigration(String target) throws IOException {
        if (target != null && engine.pool().member(target).isEmpty()) {
            throw new IllegalArgumentException("no server named " + target + " in the pool");
        }
        lock.lock();
        try {
            checkUsable();
            migrateTarget = target == null ? "" : target;
            migrateReason = "server-request by " + engine.name();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Graceful end: the client reads end-of-stream after the last byte written. Does not block:
     * the transport keeps the unacknowledged bytes and delivers them (across migrations too).
     * A no-op on a connection that has moved away or was reset, so the old holder's
     * try-with-resources ends quietly.
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (state != State.OPEN || appClosed) {
                return;
            }
            if (appWritten < replayEnd) {
                throw nonDeterministic(appWritten, "the application closed the stream at offset "
                        + appWritten + " but the previous holder had written up to " + replayEnd);
            }
            appClosed = true;
            serverFin = appWritten;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void checkUsable() throws IOException {
        switch (state) {
            case MOVED -> throw new MigratedException(id, epoch);
            case RESET -> throw copy(resetCause);
            case OPEN -> { }
        }
    }

    private static IOException copy(IOException cause) {
        if (cause instanceof ConnectionResetException r) {
            return new ConnectionResetException(r.reason(), r.getMessage());
        }
        return new IOException(cause.getMessage(), cause);
    }

    private int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        lock.lock();
        try {
            while (true) {
                checkUsable();
                if (appClosed) {
                    throw new IOException("connection " + id + " is closed");
                }
                if (consumed < inLog.end()) {
                    int n = (int) Math.min(len, inLog.end() - consumed);
                    inLog.copy(consumed, b, off, n);
                    consumed += n;
                    return n;
                }
                if (clientFin >= 0 && consumed >= clientFin) {
                    return -1;
                }
                if (clientClosed) {
                    return -1;
                }
                if (inLog.end() >= windowEnd()) {
                    throw new LimitExceededException("inbound log full: " + inLog.size()
                            + " bytes read since the last snapshot reach maxRetainedBytes " + maxRetained
                            + " on connection " + id + "; export state to trim it");
                }
                changed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        } finally {
            lock.unlock();
        }
    }

    private int available() {
        lock.lock();
        try {
            return (int) Math.min(Integer.MAX_VALUE, inLog.end() - consumed);
        } finally {
            lock.unlock();
        }
    }

    private void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        lock.lock();
        try {
            while (len > 0) {
                checkUsable();
                if (appClosed) {
                    throw new IOException("connection " + id + " is closed");
                }
                if (clientClosed) {
                    throw new IOException("connection " + id + " was closed by the client");
                }
                if (appWritten < replayEnd) {
                    // Regenerated bytes: compare where the previous holder's copy is still here.
                    int n = (int) Math.min(len, replayEnd - appWritten);
                    long from = Math.max(appWritten, out.start());
                    long to = appWritten + n;
                    if (from < to) {
                        long diff = out.mismatch(from, b, off + (int) (from - appWritten), (int) (to - from));
                        if (diff >= 0) {
                            throw nonDeterministic(diff, "byte " + diff + " regenerated after the snapshot"
                                    + " differs from what the previous holder sent");
                        }
                    }
                    appWritten += n;
                    off += n;
                    len -= n;
                    retrim();
                    changed.signalAll();
                    continue;
                }
                if (predecessorFin >= 0) {
                    throw nonDeterministic(appWritten, "the application writes past offset " + predecessorFin
                            + " where the previous holder closed the stream");
                }
                int space = maxRetained - out.size();
                if (space <= 0) {
                    changed.await(); // back-pressure: wait for the client's acknowledgements
                    continue;
                }
                int n = Math.min(len, space);
                out.append(b, off, n);
                appWritten += n;
                off += n;
                len -= n;
                changed.signalAll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        } finally {
            lock.unlock();
        }
    }

    /** Trims the retention: acknowledged bytes go, except copies still awaiting comparison. */
    private void retrim() {
        long point = appWritten >= replayEnd ? acked : Math.min(acked, appWritten);
        if (point > out.start()) {
            out.trimTo(point);
        }
    }

    private long streamEnd() {
        return out.end();
    }

    private long windowEnd() {
        return inLog.start() + maxRetained;
    }

    private long finOffset() {
        return serverFin >= 0 ? serverFin : predecessorFin;
    }

    private ConnectionResetException nonDeterministic(long offset, String detail) {
        String message = "non-deterministic replay on connection " + id + " at " + engine.name()
                + " (epoch " + epoch + "): " + detail + " (offset " + offset + ")";
        LOG.warn(message);
        resetLocked(ResetCode.NON_DETERMINISTIC_REPLAY, message);
        return new ConnectionResetException(ResetCode.NON_DETERMINISTIC_REPLAY.label(), message);
    }

    // ------------------------------------------------------------------ transport side

    /**
     * Attaches a client link after HELLO: the client has every byte below {@code clientNext},
     * and accepts bytes below {@code clientWindow}.
     */
    void attach(ServerLink newLink, Frame.Hello hello) throws ProtocolException {
        lock.lock();
        try {
            if (hello.next() > streamEnd()) {
                throw new ProtocolException("client claims " + hello.next()
                        + " bytes but the stream has only " + streamEnd());
            }
            // HELLO's position is a lower bound: during the overlap the client kept reading from
            // the old holder and may have acknowledged more there, which the state carries.
            acked = Math.max(acked, hello.next());
            retrim();
            clientWindowEnd = Math.max(clientWindowEnd, hello.windowEnd());
            clientMaxPayload = Math.min(hello.maxFrameSize(), Wire.PREFERRED_DATA_PAYLOAD);
            newLink.sendCursor = acked;
            if (link != null) {
                link.ending = ServerLink.Ending.ABORT;
                link.closeSocket();
            }
            link = newLink;
            confirmed = false;
            orphanSinceNanos = -1;
            ackOwedSince = -1;
            quietUntilNanos = 0;
            ackDue = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void setCertificate(Certificate c) {
        lock.lock();
        try {
            certificate = c;
            quietUntilNanos = 0;
        } finally {
            lock.unlock();
        }
    }

    Certificate certificate() {
        lock.lock();
        try {
            return certificate;
        } finally {
            lock.unlock();
        }
    }

    /** What to do with a HELLO presenting the certificate that brought this connection here. */
    enum Readmission { READMIT, BUSY, NO }

    /**
     * A client that lost the WELCOME (or gave up waiting) presents the same certificate again.
     * {@code READMIT} when {@code certMac} admitted this connection here, no client has sent
     * anything on it since and its link is gone; {@code BUSY} when the link still looks alive
     * (it may be the abandoned one: ask again shortly); {@code NO} otherwise (stale).
     */
    Readmission readmission(byte[] certMac) {
        lock.lock();
        try {
            if (state != State.OPEN || confirmed || clientClosed
                    || !org.mtcp.core.internal.cert.Hmac.equal(admittedBy, certMac)) {
                return Readmission.NO;
            }
            return link == null ? Readmission.READMIT : Readmission.BUSY;
        } finally {
            lock.unlock();
        }
    }

    void onFrame(ServerLink from, Frame f) throws ProtocolException {
        lock.lock();
        try {
            if (from != link || from.ending != ServerLink.Ending.NONE || state != State.OPEN) {
                return; // an old or closing link: drain and ignore
            }
            confirmed = true;
            switch (f) {
                case Frame.Data d -> onData(d);
                case Frame.Ack a -> onAck(a);
                case Frame.Fin fin -> {
                    if (fin.offset() != inLog.end() || (clientFin >= 0 && clientFin != fin.offset())) {
                        throw new ProtocolException("client FIN at " + fin.offset() + " but "
                                + inLog.end() + " bytes received" + (clientFin >= 0 ? " and FIN was at " + clientFin : ""));
                    }
                    clientFin = fin.offset();
                    ackDue = true;
                }
                case Frame.Close c -> {
                    clientClosed = true;
                    engine.table().remove(id, this);
                }
                case Frame.Ping p -> from.pongs.add(p.nonce());
                case Frame.Reset r -> {
                    resetLocked(null, "connection " + id + " reset by the client: " + r.message());
                    engine.table().remove(id, this);
                }
                default -> throw new ProtocolException("unexpected " + f.type() + " from a client");
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void onData(Frame.Data d) throws ProtocolException {
        long received = inLog.end();
        if (d.offset() > received) {
            throw new ProtocolException("gap in the client's stream: DATA at " + d.offset()
                    + " but only " + received + " bytes received");
        }
        if (clientFin >= 0 && d.end() > clientFin) {
            throw new ProtocolException("DATA beyond the client's FIN at " + clientFin);
        }
        if (d.end() <= received) {
            ackDue = true; // a duplicate: the client may have missed our ACK
            return;
        }
        if (d.end() > windowEnd()) {
            throw new ProtocolException("client sent up to " + d.end() + " beyond the window " + windowEnd());
        }
        int skip = (int) (received - d.offset());
        inLog.append(d.payload(), skip, d.payload().length - skip);
        ackDue = true;
    }

    private void onAck(Frame.Ack a) throws ProtocolException {
        if (a.received() > streamEnd()) {
            throw new ProtocolException("client acknowledges " + a.received()
                    + " but the stream has only " + streamEnd() + " bytes");
        }
        if (a.received() > acked) {
            acked = a.received();
            retrim();
            // progress: the clock restarts for what is still owed
            ackOwedSince = link != null && link.sendCursor > acked ? System.nanoTime() : -1;
        }
        clientWindowEnd = Math.max(clientWindowEnd, a.windowEnd());
        long fin = finOffset();
        if (a.finReceived() && fin >= 0 && a.received() == fin && !finAcked) {
            finAcked = true;
            finished = true;
            engine.table().remove(id, this);
        }
    }

    /**
     * Blocks until there is something to send on {@code l}; returns the encoded frames, or null
     * when the link must stop ({@link #endingOf} says how).
     */
    List<byte[]> awaitFrames(ServerLink l) {
        lock.lock();
        try {
            while (true) {
                if (l.ending != ServerLink.Ending.NONE) {
                    return null;
                }
                if (l != link) {
                    l.ending = ServerLink.Ending.ABORT;
                    return null;
                }
                List<byte[]> frames = new ArrayList<>(4);
                if (state == State.RESET) {
                    l.ending = ServerLink.Ending.GRACEFUL;
                    if (resetFrame != null && !l.resetSent) {
                        l.resetSent = true;
                        frames.add(resetFrame);
                        return frames;
                    }
                    return null;
                }
                if (state == State.MOVED || clientClosed) {
                    l.ending = ServerLink.Ending.GRACEFUL;
                    return null;
                }
                while (!l.pongs.isEmpty()) {
                    frames.add(FrameEncoder.encode(new Frame.Pong(l.pongs.poll())));
                }
                if (certDue && certificate != null) {
                    certDue = false;
                    List<Frame.Peer> peers = l.clientVersion >= Wire.CERT_PEERS_VERSION
                            ? engine.announcedPeers() : List.of();
                    frames.add(FrameEncoder.encode(new Frame.Cert(certificate.encode(), peers)));
                }
                if (migrateTarget != null) {
                    frames.add(FrameEncoder.encode(new Frame.MigrateRequest(migrateTarget, migrateReason)));
                    migrateTarget = null;
                }
                long cursor = Math.max(l.sendCursor, acked);
                long limit = Math.min(streamEnd(), clientWindowEnd);
                if (cursor < limit) {
                    int n = (int) Math.min(limit - cursor, clientMaxPayload);
                    byte[] frame = FrameEncoder.dataFrame(cursor, n);
                    out.copy(cursor, frame, FrameEncoder.DATA_HEADER_BYTES, n);
                    l.sendCursor = cursor + n;
                    frames.add(frame);
                    if (ackOwedSince < 0) {
                        ackOwedSince = System.nanoTime();
                        quietUntilNanos = 0; // the housekeeping sweep now watches this connection
                    }
                }
                if (ackDue) {
                    ackDue = false;
                    frames.add(FrameEncoder.encode(new Frame.Ack(inLog.end(), inLog.end(), windowEnd(),
                            clientFin >= 0 ? Frame.Ack.FIN_RECEIVED : 0)));
                }
                long fin = finOffset();
                if (fin >= 0 && !l.finSent && Math.max(l.sendCursor, acked) >= fin) {
                    l.finSent = true;
                    frames.add(FrameEncoder.encode(new Frame.Fin(fin)));
                }
                if (finished && !l.closeSent) {
                    l.closeSent = true;
                    frames.add(FrameEncoder.encode(new Frame.Close()));
                    l.ending = ServerLink.Ending.GRACEFUL;
                    return frames;
                }
                if (!frames.isEmpty()) {
                    return frames;
                }
                changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    ServerLink.Ending endingOf(ServerLink l) {
        lock.lock();
        try {
            return l.ending;
        } finally {
            lock.unlock();
        }
    }

    /** The link broke or the client closed it: the connection waits for the client (orphan). */
    void linkEnded(ServerLink l, String cause) {
        lock.lock();
        try {
            if (l.ending == ServerLink.Ending.NONE) {
                l.ending = ServerLink.Ending.ABORT;
            }
            if (l != link) {
                return;
            }
            link = null;
            if (state == State.OPEN && !clientClosed && !finished) {
                orphanSinceNanos = System.nanoTime();
                quietUntilNanos = 0;
                LOG.debug("{}: connection {} lost its client link ({}); keeping it for the client to return",
                        engine.name(), id, cause);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void protocolError(ServerLink l, ProtocolException e) {
        lock.lock();
        try {
            if (l != link || state != State.OPEN) {
                return;
            }
            String message = "protocol error from the client of connection " + id + ": " + e.getMessage();
            LOG.info("{}: {}", engine.name(), message);
            resetLocked(ResetCode.PROTOCOL_ERROR, message);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Resets the connection: the application's next call fails with {@code message}; the client
     * gets a RESET frame when {@code code} is not null and a link is up.
     */
    void reset(ResetCode code, String message) {
        lock.lock();
        try {
            resetLocked(code, message);
        } finally {
            lock.unlock();
        }
    }

    private void resetLocked(ResetCode code, String message) {
        if (state != State.OPEN) {
            return;
        }
        state = State.RESET;
        String reason = code == null ? "reset-by-peer" : code.label();
        resetCause = new ConnectionResetException(reason, message);
        resetFrame = code == null ? null : FrameEncoder.encode(new Frame.Reset(code, message, ""));
        engine.table().remove(id, this);
        changed.signalAll();
    }

    @Override
    public long bytesToRegenerate() {
        lock.lock();
        try {
            return Math.max(0, replayEnd - appWritten);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void reset(String why) {
        reset(ResetCode.OTHER, why);
    }

    /** A crash-like stop (server closing): no frame is sent, the link is cut. */
    void abort(String message) {
        lock.lock();
        try {
            if (state == State.OPEN) {
                state = State.RESET;
                resetCause = new ConnectionResetException(ResetCode.SHUTDOWN.label(), message);
                resetFrame = null;
            }
            if (link != null) {
                link.ending = ServerLink.Ending.ABORT;
                link.closeSocket();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Freezes the connection for {@code newHolder} and returns its state: the epoch is fenced
     * (every later application call fails with {@link MigratedException}) and the link stops.
     * Happens at most once; a second call gets MOVED.
     */
    ConnectionState freeze(String newHolder) throws TransferException {
        lock.lock();
        try {
            switch (state) {
                case MOVED -> throw new TransferException(TransferException.Reason.MOVED, "connection " + id
                        + " left epoch " + epoch + " for " + movedTo, movedTo);
                case RESET -> throw new TransferException(TransferException.Reason.REFUSED, "connection "
                        + id + " was reset: " + resetCause.getMessage(), "");
                case OPEN -> { }
            }
            if (clientClosed) {
                throw new TransferException(TransferException.Reason.REFUSED,
                        "connection " + id + " was closed by its client", "");
            }
            if (finished) {
                throw new TransferException(TransferException.Reason.REFUSED,
                        "connection " + id + " is finished (both streams complete)", "");
            }
            ConnectionState st = captureState();
            state = State.MOVED;
            movedTo = newHolder;
            // Fenced: every application call and the link's sender see MOVED under this lock from
            // now on. Waking the waiting ones is left to wakeFrozen(), after the STATE reply left.
            return st;
        } finally {
            lock.unlock();
        }
    }

    /**
     * After {@link #freeze}'s state went out (issue 12): wakes the application's blocked calls
     * (they throw {@link MigratedException}) and the link's sender (it ends the link).
     */
    void wakeFrozen() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private ConnectionState captureState() {
        long fin = finOffset();
        return new ConnectionState(id, epoch, engine.name(), snapshot, inLog.start(), inLog.end(),
                inLog.slice(inLog.start(), inLog.end()), outSnap, acked, streamEnd(),
                out.slice(acked, streamEnd()), clientFin, fin, clientWindowEnd);
    }

    /** Periodic work: orphan timeout, certificate refresh. */
    void tick(long nowNanos, long orphanTimeoutNanos) {
        if (nowNanos - quietUntilNanos < 0) {
            return; // nothing due yet: no lock taken
        }
        lock.lock();
        try {
            if (state != State.OPEN) {
                quietUntilNanos = Long.MAX_VALUE;
                return;
            }
            if (link == null && orphanSinceNanos >= 0 && nowNanos - orphanSinceNanos > orphanTimeoutNanos) {
                String message = "connection " + id + " reset: its client did not come back within "
                        + TimeUnit.NANOSECONDS.toMillis(orphanTimeoutNanos) + " ms";
                LOG.info("{}: {}", engine.name(), message);
                resetLocked(ResetCode.TIMEOUT, message);
                return;
            }
            Certificate c = certificate;
            long quiet = Long.MAX_VALUE;
            if (c != null && link != null) {
                long halfLife = engine.certificates().lifetime().toMillis() / 2;
                long untilRefresh = c.expiresAtMillis() - halfLife - engine.clock().millis();
                if (untilRefresh <= 0) {
                    issueCertificateLocked();
                    untilRefresh = engine.certificates().lifetime().toMillis() - halfLife;
                }
                // A clock other than the system's (a test's) may jump: look again every second then.
                boolean systemClock = engine.clock().equals(java.time.Clock.systemUTC())
                        || engine.clock().equals(java.time.Clock.systemDefaultZone());
                quiet = nowNanos + TimeUnit.MILLISECONDS.toNanos(systemClock ? untilRefresh : Math.min(untilRefresh, 1000));
            }
            if (link != null && ackOwedSince >= 0) {
                long silenceNanos = engine.options().keepaliveInterval().toNanos() * engine.options().missedKeepalives();
                if (nowNanos - ackOwedSince >= silenceNanos) {
                    ServerLink silent = link;
                    linkEnded(silent, "client silent: no acknowledgement for "
                            + TimeUnit.NANOSECONDS.toMillis(nowNanos - ackOwedSince) + " ms");
                    silent.closeSocket();
                } else {
                    quiet = Math.min(quiet, ackOwedSince + silenceNanos);
                }
            }
            if (link == null && orphanSinceNanos >= 0) {
                quiet = Math.min(quiet, orphanSinceNanos + orphanTimeoutNanos);
            }
            quietUntilNanos = quiet;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The pool changed: send the client a fresh certificate now, with the current peer list
     * (CERT). An orphan gets the peers in the WELCOME when its client comes back.
     */
    void refreshCertificate() {
        lock.lock();
        try {
            if (state == State.OPEN && certificate != null) {
                issueCertificateLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    private void issueCertificateLocked() {
        certificate = engine.certificates().issue(id, epoch, engine.name());
        certDue = true;
        changed.signalAll();
    }

    // ------------------------------------------------------------------ introspection (tests, stats)

    /** Bytes held for this connection: inbound log plus outbound retention. */
    public long retainedBytes() {
        lock.lock();
        try {
            return (long) inLog.size() + out.size();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of the outbound retention only. */
    public int outboundRetained() {
        lock.lock();
        try {
            return out.size();
        } finally {
            lock.unlock();
        }
    }

    long receivedOffset() {
        lock.lock();
        try {
            return inLog.end();
        } finally {
            lock.unlock();
        }
    }

    long windowEndOffset() {
        lock.lock();
        try {
            return windowEnd();
        } finally {
            lock.unlock();
        }
    }

    boolean isOpen() {
        lock.lock();
        try {
            return state == State.OPEN;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "connection " + id + " epoch " + epoch + " at " + engine.name();
    }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = ServerConnection.this.read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return ServerConnection.this.read(b, off, len);
        }

        @Override
        public int available() {
            return ServerConnection.this.available();
        }

        /** Like a socket's stream: closing it closes the connection. */
        @Override
        public void close() throws IOException {
            ServerConnection.this.close();
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            ServerConnection.this.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ServerConnection.this.write(b, off, len);
        }

        /** Bytes are handed to the sender as they are written; nothing to flush. */
        @Override
        public void flush() throws IOException {
            lock.lock();
            try {
                checkUsable();
            } finally {
                lock.unlock();
            }
        }

        /** Like a socket's stream: closing it closes the connection. */
        @Override
        public void close() throws IOException {
            ServerConnection.this.close();
        }
    }
}
