package org.mtcp.core.internal.server;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.mtcp.core.ClientPresence;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.ConnectionResetException;
import org.mtcp.core.LimitExceededException;
import org.mtcp.core.MigratedException;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.core.internal.cert.BindingKey;
import org.mtcp.core.internal.cert.Certificate;
import org.mtcp.core.internal.stream.FrameCounters;
import org.mtcp.core.internal.stream.ReliableStream;
import org.mtcp.core.internal.stream.SendCursor;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.internal.stream.SendBatch;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server end of one logical connection at one epoch: the state and the application contract
 * of docs/protocol.md, section 5, over the shared {@link ReliableStream}.
 *
 * <h2>Inbound (client to server)</h2>
 * The inbound ring holds {@code [inSnap, received)}: every byte received since the last
 * snapshot, read or not, because after a migration the next holder's application reads it again.
 * The client may send below {@code inSnap + maxRetainedBytes} (the window), so the log is
 * bounded; an application that reads a full log without ever exporting gets a {@link
 * LimitExceededException} instead of a deadlock.
 *
 * <h2>Outbound (server to client) and replay</h2>
 * The retention holds the bytes from the client's acknowledgement to the end of the stream.
 * After a migration the application regenerates what the previous holder wrote after the
 * snapshot: {@link Replay} compares those bytes with the retained copy and never sends them
 * twice; a difference resets the connection ("non-deterministic replay").
 *
 * <h2>Concurrency</h2>
 * The stream's one lock guards everything; freezing for a migration happens under it, so an
 * application call either completes before the state is captured (and is part of it) or fails
 * with {@link MigratedException}. Each {@link ServerLink} owns its send position ({@link SendCursor}).
 */
public final class ServerConnection extends ReliableStream implements MtcpServerConnection {

    private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);

    private final ServerEngine engine;
    private final ConnectionId id;
    private final long epoch;
    private final boolean migratedIn;
    private final int maxRetained;

    // Everything below is guarded by the stream's lock.
    /** The phase, the reset, the move, the application's close. */
    private final ServerEnd end;

    private final Replay replay;
    /** The application's snapshot, the imported one, the state a migration hands over. */
    private final SnapshotState state;

    /** Orphan and silence deadlines, the certificate, the control frames owed the client. */
    private final ClientWatch watch;
    /** The client's link (none: orphan), readmission. */
    private final ClientSlot slot;
    /** The strategy pushes every snapshot to replicas (replicated transfer). */
    private final boolean replicated;
    /**
     * Client bytes below this are covered by state that survives this holder (ACK {@code stable}):
     * with replicated transfer, the {@code received} of the last state a replica took; otherwise
     * unused ({@code stable} = {@code received}).
     */
    private long stable;
    /** Whether "no replica took the state" was logged at WARN already: once per connection, then DEBUG. */
    private volatile boolean unreplicatedWarned;

    private ServerConnection(ServerEngine engine, ConnectionId id, long epoch, boolean migratedIn,
            ConnectionState st) {
        super(FrameCounters.SERVER, "client", engine.options().maxRetainedBytes(),
                st == null ? 0 : st.acked(), st == null ? new byte[0] : st.outboundRetention(),
                st == null ? 0 : st.clientWindowEnd(), st == null ? 0 : st.inSnap(),
                st == null ? new byte[0] : st.inboundLog(), engine.options().maxRetainedBytes(), false);
        this.engine = engine;
        this.id = id;
        this.epoch = epoch;
        this.migratedIn = migratedIn;
        this.maxRetained = engine.options().maxRetainedBytes();
        this.watch = new ClientWatch(engine, id, epoch);
        this.end = new ServerEnd(id, epoch);
        this.replicated = engine.options().stateTransfer().pushesOnExport();
        this.stable = st == null ? 0 : st.received();
        // Taken over with replicated transfer, perhaps from a replica older than what the client
        // read from the previous holder: the client may be ahead of this stream (see ClientSlot).
        this.slot = new ClientSlot(id, guard, changed, outbound, end, watch, replicated && st != null);
        if (st == null) {
            replay = new Replay(outbound, 0, 0, -1);
        } else {
            inbound.fin(st.clientFin());
            replay = new Replay(outbound, st.outSnap(), st.written(), st.serverFin());
        }
        this.state = new SnapshotState(id, epoch, engine.name(), engine.options().maxSnapshotSize(), outbound, inbound,
                replay, st);
    }

    /** A brand-new connection at epoch 0. */
    static ServerConnection fresh(ServerEngine engine, ConnectionId id) {
        return new ServerConnection(engine, id, 0, false, null);
    }

    /** A connection taken over from {@code st}'s holder, at the next epoch. */
    static ServerConnection takenOver(ServerEngine engine, ConnectionState st, byte[] admittedBy) {
        ServerConnection c = new ServerConnection(engine, st.id(), st.epoch() + 1, true, st);
        c.slot.admittedBy(admittedBy);
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
        return guard.callChecked(() -> {
            checkUsable();
            return state.imported();
        });
    }

    @Override
    public void exportState(byte[] snap) throws IOException {
        Objects.requireNonNull(snap, "snapshot");
        ConnectionState pushed = guard.callChecked(() -> {
            checkUsable();
            end.checkNotClosed();
            state.export(snap);
            windowMaybeMoved();
            return engine.options().stateTransfer().pushesOnExport() ? state.capture() : null;
        });
        if (pushed != null) {
            replicate(pushed);
        }
    }

    /**
     * Pushes {@code pushed} through the strategy; once a replica has it, {@code stable} moves to
     * what it covers and an ACK tells the client it may free those bytes. No replica reachable:
     * stable stays (the client keeps its bytes), the application is not told. A replica that
     * knows a later epoch: this holder was superseded (a client failed over while it was stopped
     * or cut off), so the connection is fenced as if it had been handed out.
     */
    private void replicate(ConnectionState pushed) throws IOException {
        try {
            engine.options().stateTransfer().exported(pushed, engine);
        } catch (TransferException e) {
            if (e.reason() == TransferException.Reason.MOVED) {
                LOG.info("{}: connection {} epoch {} superseded ({}): fenced", engine.name(), id, epoch, e.getMessage());
                guard.run(() -> {
                    if (end.live()) {
                        end.moved(e.hint().isEmpty() ? "another server" : e.hint());
                        engine.table().remove(id, this);
                        signalEveryone();
                    }
                });
                throw new MigratedException(id, epoch);
            }
            if (unreplicatedWarned) {
                LOG.debug("{}: connection {}: state not replicated: {}", engine.name(), id, e.getMessage());
            } else {
                unreplicatedWarned = true;
                LOG.warn("{}: connection {}: state not replicated, a crash of this server would lose it until a"
                        + " replica takes it again: {}", engine.name(), id, e.getMessage());
            }
            return;
        }
        guard.run(() -> {
            if (pushed.received() > stable) {
                stable = pushed.received();
                ackNow();
            }
        });
    }

    /**
     * Replicated transfer, as the connection starts here (new, or taken over), before the WELCOME:
     * the state it starts from goes to this holder's replicas, so that from the client's first
     * byte on this holder the connection survives this holder (a push after the WELCOME left a
     * window in which a crash lost the connection: found by the stream-integrity property).
     * Costs one control round trip on the handshake's path; no replica reachable: the handshake
     * goes on all the same.
     */
    void replicateStart() throws IOException {
        if (!replicated || !engine.options().stateTransfer().pushesOnStart()) {
            return;
        }
        ConnectionState st = guard.call(() -> end.live() ? state.capture() : null);
        if (st != null) {
            replicate(st);
        }
    }

    @Override
    protected long stableOffset(long received) {
        return replicated ? Math.min(stable, received) : received;
    }

    /** The connection is over here: out of the table, and its replicas dropped. */
    private void removeEnded() {
        if (engine.table().remove(id, this) && replicated) {
            engine.forgetReplicas(id, epoch);
        }
    }

    @Override
    public ClientPresence clientPresence() {
        return guard.call(slot::presence);
    }

    @Override
    public ClientPresence awaitClient(java.time.Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        return guard.callChecked(() -> slot.awaitClient(deadline));
    }

    @Override
    public void requestMigration(String target) throws IOException {
        if (target != null && engine.pool().member(target).isEmpty()) {
            throw new IllegalArgumentException("no server named " + target + " in the pool");
        }
        guard.runChecked(() -> {
            checkUsable();
            watch.requestMigration(target == null ? "" : target, "server-request by " + engine.name());
            sendable.signalAll();
        });
    }

    /**
     * Graceful end: the client reads end-of-stream after the last byte written. Does not block:
     * the transport keeps the unacknowledged bytes and delivers them (across migrations too).
     * A no-op on a connection that has moved away or was reset, so the old holder's
     * try-with-resources ends quietly.
     */
    @Override
    public void close() throws IOException {
        guard.runChecked(() -> {
            if (!end.live() || end.appClosed()) {
                return;
            }
            try {
                replay.checkClose();
            } catch (Replay.Mismatch m) {
                throw nonDeterministic(m);
            }
            end.closeByApplication();
            outbound.fin(replay.appWritten());
            signalEveryone();
        });
    }

    @Override
    protected void closeByApplication() throws IOException {
        close();
    }

    @Override
    protected void checkUsable() throws IOException {
        end.checkUsable();
    }

    @Override
    protected void checkReadable() throws IOException {
        end.checkUsable();
        end.checkNotClosed();
    }

    @Override
    protected boolean inputEnded() throws IOException {
        if (end.is(ServerPhase.CLIENT_CLOSED)) {
            return true;
        }
        if (inbound.received() >= inbound.windowEnd()) {
            throw new LimitExceededException("inbound log full: " + inbound.size()
                    + " bytes read since the last snapshot reach maxRetainedBytes " + maxRetained
                    + " on connection " + id + "; export state to trim it");
        }
        return false;
    }

    @Override
    protected void checkWritable() throws IOException {
        checkReadable();
        if (end.is(ServerPhase.CLIENT_CLOSED)) {
            throw new IOException("connection " + id + " was closed by the client");
        }
    }

    /** Regenerated bytes after a migration: checked, never sent again ({@link Replay}). */
    @Override
    protected int regenerate(byte[] b, int off, int len) throws IOException {
        try {
            int n = replay.regenerate(b, off, len);
            if (n > 0) {
                writable.signalAll(); // the retention may have shrunk
            }
            return n;
        } catch (Replay.Mismatch m) {
            throw nonDeterministic(m);
        }
    }

    @Override
    protected void appended(int n) {
        replay.appended(n);
        outbound.acknowledgeAhead();
    }

    private ConnectionResetException nonDeterministic(Replay.Mismatch m) {
        String message = "non-deterministic replay on connection " + id + " at " + engine.name()
                + " (epoch " + epoch + "): " + m.getMessage() + " (offset " + m.offset + ")";
        LOG.warn(message);
        resetLocked(ResetCode.NON_DETERMINISTIC_REPLAY, message);
        return new ConnectionResetException(ResetCode.NON_DETERMINISTIC_REPLAY.label(), message);
    }

    @Override
    public long bytesToRegenerate() {
        return guard.call(replay::bytesToRegenerate);
    }

    @Override
    public void reset(String why) {
        reset(ResetCode.OTHER, why);
    }

    // ------------------------------------------------------------------ links

    /**
     * Attaches a client link after HELLO: the client has every byte below {@code clientNext},
     * and accepts bytes below {@code clientWindow}. The link's sender starts after this.
     */
    void attach(ServerLink newLink, Frame.Hello hello) throws ProtocolException {
        guard.runChecked(() -> {
            slot.attach(this, newLink, hello);
            ackNow();
            signalEveryone();
        });
    }

    /** The connection's certificate and the binding key it carries sealed (null: unbound), for its refreshes. */
    void setCertificate(Certificate c, BindingKey key) {
        guard.run(() -> watch.certificate(c, key));
    }

    Certificate certificate() {
        return guard.call(watch::certificate);
    }

    /** What to do with a HELLO presenting the certificate that admitted this connection here. */
    ClientSlot.Readmission readmission(byte[] certMac) {
        return guard.call(() -> slot.readmission(certMac));
    }

    /** DATA payload bytes from {@code from}'s decoder (no record per frame). */
    void onData(ServerLink from, long frameOffset, int frameLength, int pos, byte[] src, int off, int len)
            throws ProtocolException {
        guard.lock(); // the data path: no lambda per piece
        try {
            if (slot.accepts(from)) {
                acceptData(frameOffset, frameLength, pos, src, off, len, System.nanoTime());
            }
        } finally {
            guard.unlock();
        }
    }

    void onFrame(ServerLink from, Frame f) throws ProtocolException {
        guard.runChecked(() -> {
            if (!slot.accepts(from)) {
                return; // an old or closing link: drain and ignore
            }
            received(f);
            switch (f) {
                case Frame.Data d -> acceptData(d.offset(), d.payload().length, 0, d.payload(), 0, d.payload().length,
                        System.nanoTime());
                case Frame.Ack a -> onAck(a);
                case Frame.Fin fin -> acceptFin(fin);
                case Frame.Close c -> {
                    end.clientClosed();
                    removeEnded();
                    signalEveryone();
                }
                case Frame.Ping p -> {
                    from.pong(p.nonce());
                    sendable.signalAll();
                }
                case Frame.Reset r -> {
                    resetLocked(null, "connection " + id + " reset by the client: " + r.message());
                    removeEnded();
                }
                default -> throw new ProtocolException("unexpected " + f.type() + " from a client");
            }
        });
    }

    private void onAck(Frame.Ack a) throws ProtocolException {
        slot.acknowledgedAhead(a.received());
        if (acceptAck(a)) {
            // progress: the clock restarts for what is still owed
            watch.acknowledged(outbound.sentEnd() > outbound.acked(), System.nanoTime());
        }
        if (outbound.finAcked() && end.finished()) {
            removeEnded();
            signalEveryone();
        }
    }

    /**
     * Blocks until there is something to send on {@code l} and appends it to {@code w}; false
     * when the link must stop ({@link ServerLink#ending()} says how).
     */
    boolean awaitFrames(ServerLink l, SendCursor c, SendBatch w) {
        guard.lock(); // the data path: no lambda per frame
        try {
            long idleSince = System.nanoTime();
            while (true) {
                if (l.ending()) {
                    return false;
                }
                if (l != slot.link()) {
                    l.end(ServerLink.Ending.ABORT);
                    return false;
                }
                switch (end.phase()) {
                    case RESET -> {
                        l.end(ServerLink.Ending.GRACEFUL);
                        if (end.resetFrame() != null && l.firstReset()) {
                            writeFrame(w, end.resetFrame());
                            return true;
                        }
                        return false;
                    }
                    case MOVED, CLIENT_CLOSED -> {
                        l.end(ServerLink.Ending.GRACEFUL);
                        return false;
                    }
                    case OPEN, FINISHED -> { }
                }
                long now = System.nanoTime();
                writeControl(l, w);
                if (writeData(c, w) > 0) {
                    watch.dataSent(now);
                }
                writeAck(w, now, replicated && l.clientVersion >= Wire.ACKED_IN_HELLO_VERSION ? Frame.Ack.REPLICATED : 0);
                writeFin(c, w);
                if (end.is(ServerPhase.FINISHED) && !c.closeSent()) {
                    c.closeSent(true);
                    writeFrame(w, new Frame.Close());
                    l.end(ServerLink.Ending.GRACEFUL);
                    return true;
                }
                if (!w.isEmpty()) {
                    return true;
                }
                idleSince = releaseWhenIdle(idleSince, now, w);
                try {
                    // Timed only when an ACK is pending or the link went idle (memory to give back):
                    // a timer per wait costs the bulk path.
                    guard.awaitNanos(sendable, Math.min(ackDueInNanos(now),
                            idle() && idleSince != IDLE_RELEASED ? IDLE_RELEASE_NANOS : Long.MAX_VALUE));
                } catch (InterruptedIOException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        } finally {
            guard.unlock();
        }
    }

    /** PONGs, a new certificate, a migration request: control frames first. */
    private void writeControl(ServerLink l, SendBatch w) {
        Frame f;
        while ((f = watch.nextControlFrame(l)) != null) {
            writeFrame(w, f);
        }
    }

    /** The link broke or the client closed it: the connection waits for the client (orphan). */
    void linkEnded(ServerLink l, String cause) {
        guard.run(() -> {
            l.end(ServerLink.Ending.ABORT);
            if (!slot.detach(l)) {
                return;
            }
            if (end.is(ServerPhase.OPEN)) {
                watch.orphaned(System.nanoTime());
                LOG.debug("{}: connection {} lost its client link ({}); keeping it for the client to return",
                        engine.name(), id, cause);
            }
            signalEveryone();
        });
    }

    void protocolError(ServerLink l, ProtocolException e) {
        guard.run(() -> {
            if (l != slot.link() || !end.live()) {
                return;
            }
            String message = "protocol error from the client of connection " + id + ": " + e.getMessage();
            LOG.info("{}: {}", engine.name(), message);
            resetLocked(ResetCode.PROTOCOL_ERROR, message);
        });
    }

    /**
     * Resets the connection: the application's next call fails with {@code message}; the client
     * gets a RESET frame when {@code code} is not null and a link is up.
     */
    void reset(ResetCode code, String message) {
        guard.run(() -> resetLocked(code, message));
    }

    private void resetLocked(ResetCode code, String message) {
        if (!end.reset(code, message)) {
            return;
        }
        removeEnded();
        signalEveryone();
    }

    /** A crash-like stop (server closing): no frame is sent, the link is cut. */
    void abort(String message) {
        guard.run(() -> {
            end.abort(message);
            if (slot.link() != null) {
                slot.link().abort();
            }
            signalEveryone();
        });
    }

    // ------------------------------------------------------------------ migration: freeze and state

    /**
     * Freezes the connection for {@code newHolder} and returns its state: the epoch is fenced
     * (every later application call fails with {@link MigratedException}) and the link stops.
     * Happens at most once; a second call gets MOVED.
     */
    ConnectionState freeze(String newHolder) throws TransferException {
        return guard.callChecked(() -> {
            end.checkMovable();
            ConnectionState st = state.capture();
            end.moved(newHolder);
            // Fenced: every application call and the link's sender see MOVED under this lock from
            // now on. Waking the waiting ones is left to wakeFrozen(), after the STATE reply left.
            return st;
        });
    }

    /**
     * Fences this epoch for {@code newHolder}, which took the connection over from a replica
     * without asking (docs/protocol.md 10): as {@link #freeze}, but nothing is handed out and the
     * waiting threads are woken at once. False when the connection is not live here any more.
     */
    boolean fence(String newHolder) {
        return guard.call(() -> {
            try {
                end.checkMovable();
            } catch (TransferException e) {
                return false; // moved, reset or closed already: nothing to fence
            }
            end.moved(newHolder);
            signalEveryone();
            return true;
        });
    }

    /**
     * After {@link #freeze}'s state went out (issue 12): wakes the application's blocked calls
     * (they throw {@link MigratedException}) and the link's sender (it ends the link).
     */
    void wakeFrozen() {
        guard.run(this::signalEveryone);
    }

    // ------------------------------------------------------------------ housekeeping

    /** Periodic work: orphan timeout, certificate refresh, a client silent on what it owes. */
    void tick(long nowNanos, long orphanTimeoutNanos) {
        if (watch.quiet(nowNanos)) {
            return; // nothing due yet: no lock taken
        }
        guard.run(() -> {
            if (!end.live()) {
                watch.over();
                return;
            }
            switch (watch.tick(nowNanos, orphanTimeoutNanos, slot.link() != null)) {
                case ORPHAN_EXPIRED -> {
                    String message = "connection " + id + " reset: its client did not come back within "
                            + TimeUnit.NANOSECONDS.toMillis(orphanTimeoutNanos) + " ms";
                    LOG.info("{}: {}", engine.name(), message);
                    resetLocked(ResetCode.TIMEOUT, message);
                }
                case CLIENT_SILENT -> {
                    ServerLink silent = slot.link();
                    linkEnded(silent, "client silent: no acknowledgement for " + watch.owedMillis(nowNanos) + " ms");
                    silent.closeSocket();
                }
                case NOTHING -> sendable.signalAll(); // a certificate refresh may be due
            }
        });
    }

    /**
     * The pool changed: send the client a fresh certificate now, with the current peer list
     * (CERT). An orphan gets the peers in the WELCOME when its client comes back.
     */
    void refreshCertificate() {
        guard.run(() -> {
            if (end.live() && watch.certificate() != null) {
                watch.issueCertificate();
                sendable.signalAll();
            }
        });
    }

    // ------------------------------------------------------------------ introspection (tests, stats)

    /** Bytes held for this connection: inbound log plus outbound retention. */
    public long retainedBytes() {
        return guard.call(() -> (long) inbound.size() + outbound.size());
    }

    /** Bytes of the outbound retention only. */
    public int outboundRetained() {
        return guard.call(outbound::size);
    }

    long receivedOffset() {
        return guard.call(inbound::received);
    }

    long windowEndOffset() {
        return guard.call(inbound::windowEnd);
    }

    boolean isOpen() {
        return end.live();
    }

    @Override
    public String toString() {
        return "connection " + id + " epoch " + epoch + " at " + engine.name();
    }
}
