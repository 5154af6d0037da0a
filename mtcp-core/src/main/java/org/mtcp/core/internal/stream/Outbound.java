package org.mtcp.core.internal.stream;

import org.mtcp.core.internal.OffsetBuffer;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.Wire;

/**
 * The sending half of a stream: the retention ring holds every byte from the peer's
 * acknowledgement ({@link #acked}) to the end written, so that a new link (after a migration) can
 * send again from wherever its peer is; the peer's window bounds what may be sent. The ring may
 * also keep bytes below {@code acked} on request ({@link #holdFrom}: the server's replay
 * comparison). Guarded by the stream's lock.
 */
public final class Outbound {

    /**
     * The largest DATA payload sent (when the peer accepts it): large frames cost fewer headers,
     * wake-ups and writes; the receiver streams them into its buffer piece by piece.
     */
    static final int MAX_PAYLOAD = 256 * 1024;

    private final OffsetBuffer ring;
    private long acked;
    private long holdFrom = Long.MAX_VALUE;
    private long peerWindowEnd;
    private int maxPayload = Wire.MIN_MAX_FRAME_SIZE;
    private long fin = -1;
    private boolean finAcked;
    /** See {@link #peerAhead}: -1 when the peer may not be ahead. */
    private long peerAhead = -1;
    /** The highest offset sent on the current link (what the peer owes an acknowledgement for). */
    private long sentEnd;

    Outbound(long acked, byte[] retained, long peerWindowEnd) {
        this.ring = OffsetBuffer.highWater(acked);
        this.ring.append(retained, 0, retained.length);
        this.acked = acked;
        this.sentEnd = acked;
        this.peerWindowEnd = peerWindowEnd;
    }

    public long acked() {
        return acked;
    }

    /** The end of the stream written so far. */
    public long end() {
        return ring.end();
    }

    /** Bytes held (retention, plus any held for comparison). */
    public int size() {
        return ring.size();
    }

    public long fin() {
        return fin;
    }

    /** The stream ends at {@code offset} (our FIN). */
    public void fin(long offset) {
        fin = offset;
    }

    public boolean finAcked() {
        return finAcked;
    }

    public long peerWindowEnd() {
        return peerWindowEnd;
    }

    public long sentEnd() {
        return sentEnd;
    }

    /** A new link: the peer accepts frames of {@code maxFrameSize} bytes and bytes below {@code windowEnd}. */
    public void peer(int maxFrameSize, long windowEnd, boolean raiseOnly) {
        maxPayload = Math.min(maxFrameSize, MAX_PAYLOAD);
        peerWindowEnd = raiseOnly ? Math.max(peerWindowEnd, windowEnd) : windowEnd;
        sentEnd = acked;
    }

    void append(byte[] b, int off, int len) {
        ring.append(b, off, len);
    }

    void append(int b) {
        ring.append(b);
    }

    /** The peer has every byte below {@code offset} (an ACK, a HELLO, a WELCOME): they are freed. */
    public void acknowledged(long offset) {
        if (offset > acked) {
            acked = offset;
            retrim();
        }
    }

    /**
     * A peer may acknowledge up to {@code offset} beyond what this end has written: a server
     * resuming from a replica older than what its client read from the previous holder, while
     * its application regenerates up to there (those bytes are then not sent: the client has them).
     */
    public void peerAhead(long offset) {
        peerAhead = Math.max(peerAhead, offset);
    }

    /** Bytes just written that the peer has already (below {@link #peerAhead}): acknowledged at once. */
    public void acknowledgeAhead() {
        if (peerAhead > acked) {
            acknowledged(Math.min(peerAhead, end()));
        }
    }

    /**
     * Keeps the bytes from {@code offset} up even when acknowledged (Long.MAX_VALUE: none): the
     * server keeps the previous holder's bytes until the application has regenerated them.
     */
    public void holdFrom(long offset) {
        holdFrom = offset;
        retrim();
    }

    private void retrim() {
        long point = Math.min(acked, holdFrom);
        if (point > ring.start()) {
            ring.trimTo(point);
        }
    }

    /**
     * An ACK from the peer; returns true when it acknowledged something new. Fails when it claims
     * more than was written.
     */
    boolean onAck(long received, long stable, long windowEnd, boolean finReceived, String peer)
            throws ProtocolException {
        if (received > end() && received > peerAhead) {
            throw new ProtocolException(peer + " acknowledges " + received + " but only " + end()
                    + " bytes were written");
        }
        long freed = Math.min(stable, end());
        boolean progress = freed > acked;
        acknowledged(freed);
        peerWindowEnd = Math.max(peerWindowEnd, windowEnd);
        if (finReceived && fin >= 0 && received == fin) {
            finAcked = true;
        }
        return progress;
    }

    /** Whether the cursor has bytes it may send now. */
    boolean sendable(SendCursor c) {
        return Math.max(c.position, acked) < Math.min(end(), peerWindowEnd);
    }

    /**
     * Adds to {@code b} the next DATA frame from {@code c}; returns its payload length, 0 when
     * nothing may be sent or the batch has a large payload already. A small payload is copied
     * behind its header; a large one stays in the ring and goes to the socket from there.
     */
    int writeData(SendCursor c, SendBatch b) {
        long cursor = Math.max(c.position, acked);
        long limit = Math.min(end(), peerWindowEnd);
        if (cursor >= limit || b.hasPayload()) {
            return 0;
        }
        int n = (int) Math.min(limit - cursor, maxPayload);
        if (n < SendBatch.COPY_BELOW) {
            int at = FrameEncoder.dataInto(b.frames(), cursor, n);
            ring.copy(cursor, b.frames().array(), at, n);
        } else {
            FrameEncoder.dataHeaderInto(b.frames(), cursor, n);
            byte[] array = ring.array();
            int pos = ring.indexOf(cursor);
            int first = Math.min(n, array.length - pos);
            b.payload(array, pos, first, 0, n - first);
        }
        c.position = cursor + n;
        sentEnd = Math.max(sentEnd, c.position);
        return n;
    }

    /** Whether FIN is due on {@code c}: everything before it was sent. */
    boolean finDue(SendCursor c) {
        return fin >= 0 && !c.finSent && Math.max(c.position, acked) >= fin;
    }

    /** Compares regenerated bytes with the retained copy: the offset of the first difference or -1. */
    public long mismatch(long from, byte[] b, int off, int len) {
        return ring.mismatch(from, b, off, len);
    }

    public long retainedFrom() {
        return ring.start();
    }

    public byte[] slice(long from, long to) {
        return ring.slice(from, to);
    }

    void release() {
        ring.release();
    }
}
