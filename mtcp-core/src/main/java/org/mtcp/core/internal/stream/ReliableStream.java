package org.mtcp.core.internal.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import org.mtcp.core.internal.wire.DataSink;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.FrameType;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.WireWriter;

/**
 * The reliable byte stream both ends of a connection share: the {@link Outbound} retention and
 * the {@link Inbound} buffer, the window and acknowledgement bookkeeping ({@link AckClock}: ACKs
 * are coalesced), the application's blocking reads and writes with back-pressure and their
 * {@link InputStream}/{@link OutputStream} adapters, and the stream frames a link's sender writes
 * (DATA, ACK, FIN) into its send buffer. One {@link Guard} protects it all; the end that extends
 * it (client or server connection) adds its lifecycle and control frames through the hooks.
 *
 * <h2>Waking</h2>
 * Each kind of waiter has its own condition, so a frame wakes only who can act on it: readers on
 * {@link #readable} (bytes, FIN, the end), writers on {@link #writable} (space freed), link
 * senders on {@link #sendable} (something to send, an ACK coming due), and everything else
 * (a supervisor, {@code awaitClient}) on {@link #changed}. A change of lifecycle wakes them all
 * ({@link #signalEveryone}).
 *
 * <h2>Data path</h2>
 * Nothing is allocated per frame or per byte: a DATA payload is copied once into the retention
 * ring by {@code write} and written to the socket from there ({@link SendBatch}; a small one is
 * copied behind its header into the link's reusable send buffer, for one write); on the
 * receiving side the decoder puts it straight from the socket's read buffer into the inbound
 * ring ({@link #acceptData}); single-byte reads and writes go straight to the rings.
 */
public abstract class ReliableStream {

    /** How long a sender waits with nothing to do before the buffers give back their memory. */
    protected static final long IDLE_RELEASE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

    protected final Guard guard = new Guard();
    protected final Condition readable = guard.newCondition();
    protected final Condition writable = guard.newCondition();
    protected final Condition sendable = guard.newCondition();
    protected final Condition changed = guard.newCondition();
    protected final Outbound outbound;
    protected final Inbound inbound;
    private final AckClock ack;
    private final FrameCounters counters;
    private final String peer;
    private final int maxOutbound;
    private final InputStream input = new In();
    private final OutputStream output = new Out();

    /**
     * @param peer what the other end is called in protocol errors ("holder", "client")
     * @param maxOutbound bytes the retention holds before writers block
     * @param acked the peer has every byte below this; {@code retained} follows it
     * @param inStart the inbound stream starts here; {@code inLog} follows it
     * @param window the inbound window's size
     * @param trimOnRead whether read bytes are dropped at once (client) or kept until released (server)
     */
    protected ReliableStream(FrameCounters counters, String peer, int maxOutbound, long acked, byte[] retained,
            long peerWindowEnd, long inStart, byte[] inLog, long window, boolean trimOnRead) {
        this.counters = counters;
        this.peer = peer;
        this.maxOutbound = maxOutbound;
        this.outbound = new Outbound(acked, retained, peerWindowEnd);
        this.inbound = new Inbound(inStart, inLog, window, trimOnRead);
        this.ack = new AckClock(window, inbound.received(), inbound.windowEnd());
    }

    // ------------------------------------------------------------------ hooks of the two ends

    /** Before a read: throws when the application may not read (closed, moved, reset). */
    protected abstract void checkReadable() throws IOException;

    /**
     * Nothing to read and no FIN: true when nothing more will come (end-of-stream), false to
     * wait; may throw (a failure, a full log).
     */
    protected abstract boolean inputEnded() throws IOException;

    /** Before a write: throws when the application may not write. */
    protected abstract void checkWritable() throws IOException;

    /** For flush: throws when the connection is not usable. */
    protected abstract void checkUsable() throws IOException;

    /** The application closed one of the streams: closes the connection. */
    protected abstract void closeByApplication() throws IOException;

    /**
     * Bytes the application writes again after a migration (the server's replay): consumes and
     * checks them, returning how many, or 0 when they are new bytes. Under the lock.
     */
    protected int regenerate(byte[] b, int off, int len) throws IOException {
        return 0;
    }

    /** {@code n} new bytes entered the retention. Under the lock. */
    protected void appended(int n) {
    }

    /**
     * The ACK's {@code stable}: peer bytes below it survive this end (at most {@code received}).
     * {@code received} unless a holder replicates its state. Under the lock.
     */
    protected long stableOffset(long received) {
        return received;
    }

    /** The application wrote {@code total} bytes in one call. Not under the lock. */
    protected void wrote(int total) {
    }

    // ------------------------------------------------------------------ application side

    public final InputStream getInputStream() {
        return input;
    }

    public final OutputStream getOutputStream() {
        return output;
    }

    /** Reads like a socket: blocks until a byte, end-of-stream (-1) or an error. */
    protected final int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        guard.lock(); // the data path: no lambda per call
        try {
            while (true) {
                checkReadable();
                if (inbound.available() > 0) {
                    int n = inbound.read(b, off, len);
                    consumed();
                    return n;
                }
                if (inbound.finReached() || inputEnded()) {
                    return -1;
                }
                guard.await(readable);
            }
        } finally {
            guard.unlock();
        }
    }

    private int readByte() throws IOException {
        guard.lock();
        try {
            while (true) {
                checkReadable();
                if (inbound.available() > 0) {
                    int v = inbound.read();
                    consumed();
                    return v;
                }
                if (inbound.finReached() || inputEnded()) {
                    return -1;
                }
                guard.await(readable);
            }
        } finally {
            guard.unlock();
        }
    }

    private void consumed() {
        if (ack.windowMoved(inbound.windowEnd(), inbound.received())) {
            sendable.signalAll(); // tell the peer the window opened
        }
    }

    protected final int available() {
        return guard.call(inbound::available);
    }

    /**
     * Writes like a socket: blocks while the retention is full (back-pressure). With {@code single}
     * at 0 to 255, writes that one byte through {@code b[off]} (refilled after every wait).
     */
    private void write(byte[] b, int off, int len, int single) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        int total = 0;
        guard.lock();
        try {
            while (len > 0) {
                checkWritable();
                if (single >= 0) {
                    b[off] = (byte) single;
                }
                int regenerated = regenerate(b, off, len);
                if (regenerated > 0) {
                    off += regenerated;
                    len -= regenerated;
                    continue;
                }
                int space = maxOutbound - outbound.size();
                if (space <= 0) {
                    guard.await(writable); // wait for acknowledgements
                    continue;
                }
                int n = Math.min(space, len);
                if (n == 1 && single >= 0) {
                    outbound.append(single);
                } else {
                    outbound.append(b, off, n);
                }
                off += n;
                len -= n;
                total += n;
                appended(n);
                sendable.signalAll();
            }
        } finally {
            guard.unlock();
        }
        if (total > 0) {
            wrote(total);
        }
    }

    /**
     * Bytes a write can take now without waiting for acknowledgements (the retention's free room).
     * Only writes make it smaller, so a single writer that writes at most this much does not block.
     */
    public final int writableWithoutBlocking() {
        return guard.call(() -> Math.max(0, maxOutbound - outbound.size()));
    }

    /** Everyone waiting on the stream looks again: the lifecycle changed. Under the lock. */
    protected final void signalEveryone() {
        readable.signalAll();
        writable.signalAll();
        sendable.signalAll();
        changed.signalAll();
    }

    // ------------------------------------------------------------------ link side: receiving

    /**
     * DATA payload bytes from the current link (under the lock): returns how many were new. A
     * duplicate (after a migration's overlap) is acknowledged at once.
     */
    protected final int acceptData(long frameOffset, int frameLength, int pos, byte[] src, int off, int len,
            long nowNanos) throws ProtocolException {
        if (pos == 0) {
            counters.received(FrameType.DATA);
        }
        int n = inbound.accept(frameOffset, frameLength, pos, src, off, len, peer);
        if (n < 0) {
            ackNow(); // the peer may have missed our ACK
            return 0;
        }
        if (ack.received(inbound.received(), nowNanos)) {
            sendable.signalAll();
        }
        if (n > 0) {
            readable.signalAll();
        }
        return n;
    }

    /**
     * For a link's reader inside a DATA payload (after its offset): reads up to {@code max} more payload bytes from {@code in} straight into the inbound ring (the
     * read buffer's copy saved), then hands them to {@code sink} like any piece, which commits them
     * in place if the link is still current. Returns what {@code in.read} returned, or {@link
     * DataSink#NOT_DIRECT} when the ring cannot take them now (another reader holds its tail, the
     * application is gone, a duplicate, a frame that fails its checks: {@code sink} reports it): the caller reads them the usual way.
     *
     * <p>The read blocks outside the lock; meanwhile the reserved tail stays where it is (see
     * {@link org.mtcp.core.internal.OffsetBuffer#reserveTail}), and a commit from another link
     * first moves the ring to a fresh array, so a retired link's late bytes land nowhere.
     */
    public final int readData(long frameOffset, int frameLength, int pos, int max, InputStream in, DataSink sink)
            throws IOException {
        byte[] into;
        int at;
        int room;
        long reservation;
        guard.lock();
        try {
            room = inbound.reserve(frameOffset, frameLength, pos, max);
            if (room == 0) {
                return DataSink.NOT_DIRECT;
            }
            into = inbound.array();
            at = inbound.reservedIndex();
            reservation = inbound.reservation();
        } finally {
            guard.unlock();
        }
        int n = -1;
        try {
            n = in.read(into, at, room);
            if (n > 0) {
                sink.data(frameOffset, frameLength, pos, into, at, n);
            }
        } finally {
            // Committed, or refused (a retired link, a failed check): either way the tail is free
            // again, so that an idle ring can give its memory back.
            guard.lock();
            try {
                inbound.cancelReservation(reservation);
            } finally {
                guard.unlock();
            }
        }
        return n;
    }

    /** The peer's FIN (under the lock): it must come at the end of what was received, once. */
    protected final void acceptFin(Frame.Fin fin) throws ProtocolException {
        long known = inbound.fin();
        if (fin.offset() != inbound.received() || (known >= 0 && known != fin.offset())) {
            throw new ProtocolException(peer + " FIN at " + fin.offset() + " but " + inbound.received()
                    + " bytes received" + (known >= 0 ? " and FIN was at " + known : ""));
        }
        inbound.fin(fin.offset());
        ackNow();
        readable.signalAll();
    }

    /**
     * The position below which an ACK whose {@code stable} is {@code stable} lets this end free
     * its retained bytes (under the lock): {@code stable} itself, unless an end must keep more
     * (a client migrating to a replica keeps what its HELLO promised: see ClientConnection).
     */
    protected long freeableBelow(long stable) {
        return stable;
    }

    /**
     * An ACK from the peer (under the lock): frees the retention below its {@code stable} (what
     * survives the peer: below {@code received} only when the peer replicates), opens the window.
     */
    protected final boolean acceptAck(Frame.Ack a) throws ProtocolException {
        long window = outbound.peerWindowEnd();
        boolean progress = outbound.onAck(a.received(), freeableBelow(a.stable()), a.windowEnd(), a.finReceived(), peer);
        if (progress) {
            writable.signalAll();
        }
        if (progress || outbound.peerWindowEnd() > window) {
            sendable.signalAll();
        }
        return progress;
    }

    /** Counts a frame received (other than DATA, counted by {@link #acceptData}). */
    protected final void received(Frame f) {
        if (!(f instanceof Frame.Data)) {
            counters.received(f.type());
        }
    }

    /** An acknowledgement must go out with the next frames (FIN received, a new link). */
    protected final void ackNow() {
        ack.now();
        sendable.signalAll();
    }

    /** The window moved without a read (the server's snapshot): acknowledge if it moved enough. */
    protected final void windowMaybeMoved() {
        consumed();
    }

    // ------------------------------------------------------------------ link side: sending

    /**
     * Adds the next DATA frames for {@code c} to {@code w}, up to about {@link #SEND_BATCH} bytes
     * (several small frames in one socket write, or one large frame sent from the ring); returns
     * the payload bytes added (0: none).
     */
    protected final int writeData(SendCursor c, SendBatch w) {
        int total = 0;
        int n;
        while (w.size() < SEND_BATCH && (n = outbound.writeData(c, w)) > 0) {
            counters.sent(FrameType.DATA);
            total += n;
        }
        return total;
    }

    /** Bytes a sender gathers into one socket write when there is that much to send. */
    protected static final int SEND_BATCH = 256 * 1024;

    /** True when nothing is in flight or waiting to be sent: the sender may sleep long. */
    protected final boolean idle() {
        return outbound.sentEnd() <= outbound.acked() && outbound.end() <= outbound.acked();
    }

    protected final boolean hasDataFor(SendCursor c) {
        return outbound.sendable(c);
    }

    /** Appends an ACK to {@code w} if one is due, with {@code flags} beside FIN_RECEIVED; says whether it did. */
    protected final boolean writeAck(SendBatch b, long nowNanos, int flags) {
        WireWriter w = b.frames();
        if (!ack.shouldSend(nowNanos)) {
            return false;
        }
        long received = inbound.received();
        long window = inbound.windowEnd();
        FrameEncoder.ackInto(w, received, stableOffset(received), window,
                flags | (inbound.finFlag() ? Frame.Ack.FIN_RECEIVED : 0));
        ack.sent(received, window);
        counters.sent(FrameType.ACK);
        return true;
    }

    /** Appends FIN to {@code w} if it is due on {@code c}; says whether it did. */
    protected final boolean writeFin(SendCursor c, SendBatch b) {
        if (!outbound.finDue(c)) {
            return false;
        }
        c.finSent = true;
        FrameEncoder.encodeInto(b.frames(), new Frame.Fin(outbound.fin()));
        counters.sent(FrameType.FIN);
        return true;
    }

    /** Appends a control frame to {@code w}, counted. */
    protected final void writeFrame(SendBatch b, Frame f) {
        FrameEncoder.encodeInto(b.frames(), f);
        counters.sent(f.type());
    }

    /** How long a sender may sleep before an ACK comes due (Long.MAX_VALUE: none pending). */
    protected final long ackDueInNanos(long nowNanos) {
        return ack.nanosToDue(nowNanos);
    }

    /** A send loop's {@code idleSince} once its idle spell gave memory back: not again until it sends. */
    protected static final long IDLE_RELEASED = Long.MIN_VALUE;

    /**
     * A send loop found nothing to send: once it has been idle for {@link #IDLE_RELEASE_NANOS}, the
     * rings and the link's send buffer give back memory beyond their content, once per idle spell.
     * Returns the loop's new {@code idleSince} ({@link #IDLE_RELEASED} after the release). Under the lock.
     */
    protected final long releaseWhenIdle(long idleSince, long nowNanos, SendBatch w) {
        if (idleSince == IDLE_RELEASED || nowNanos - idleSince < IDLE_RELEASE_NANOS) {
            return idleSince;
        }
        outbound.release();
        inbound.releaseMemory();
        w.release();
        return IDLE_RELEASED;
    }

    // ------------------------------------------------------------------ stream adapters

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            return readByte();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return ReliableStream.this.read(b, off, len);
        }

        @Override
        public int available() {
            return ReliableStream.this.available();
        }

        /** Like a socket's stream: closing it closes the connection. */
        @Override
        public void close() throws IOException {
            closeByApplication();
        }
    }

    private final class Out extends OutputStream {
        /** Refilled under the lock by each single-byte write (see {@code write}). */
        private final byte[] one = new byte[1];

        @Override
        public void write(int b) throws IOException {
            ReliableStream.this.write(one, 0, 1, b & 0xFF);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ReliableStream.this.write(b, off, len, -1);
        }

        /** Bytes are handed to the sender as they are written; nothing to flush. */
        @Override
        public void flush() throws IOException {
            guard.runChecked(ReliableStream.this::checkUsable);
        }

        /** Like a socket's stream: closing it closes the connection. */
        @Override
        public void close() throws IOException {
            closeByApplication();
        }
    }
}
