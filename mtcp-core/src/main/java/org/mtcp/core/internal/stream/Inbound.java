package org.mtcp.core.internal.stream;

import org.mtcp.core.internal.OffsetBuffer;
import org.mtcp.core.internal.wire.ProtocolException;

/**
 * The receiving half of a stream: the ring holds {@code [retained, received)}, {@link #readPos}
 * is the application's position in it. The peer may send below {@code retained + capacity} (the
 * window). The client drops bytes as they are read ({@code trimOnRead}); the server keeps them
 * until the next snapshot ({@link #release(long)}), because a new holder reads them again.
 * Guarded by the stream's lock.
 */
public final class Inbound {

    private final OffsetBuffer ring;
    private final long capacity;
    private final boolean trimOnRead;
    private long readPos;
    private long fin = -1;
    /** Nobody reads any more: bytes are accounted for and dropped on arrival. */
    private boolean discarding;

    Inbound(long start, byte[] log, long capacity, boolean trimOnRead) {
        this.ring = OffsetBuffer.highWater(start);
        this.ring.append(log, 0, log.length);
        this.readPos = start;
        this.capacity = capacity;
        this.trimOnRead = trimOnRead;
    }

    public long received() {
        return ring.end();
    }

    public long retainedFrom() {
        return ring.start();
    }

    public long readPos() {
        return readPos;
    }

    public int size() {
        return ring.size();
    }

    public long windowEnd() {
        return ring.start() + capacity;
    }

    public long fin() {
        return fin;
    }

    public void fin(long offset) {
        fin = offset;
    }

    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, ring.end() - readPos);
    }

    boolean finReached() {
        return fin >= 0 && readPos >= fin;
    }

    boolean finFlag() {
        return fin >= 0 && ring.end() == fin;
    }

    /**
     * Bytes {@code [pos, pos + len)} of the payload of the DATA frame at {@code frameOffset}
     * ({@code frameLength} bytes) from the peer; returns how many were new, -1 for a duplicate
     * frame (all below {@code received}, said at its first piece). The whole frame is checked at
     * its first piece: a gap, bytes past FIN or beyond the window fail it before any is taken.
     */
    int accept(long frameOffset, int frameLength, int pos, byte[] src, int off, int len, String peer)
            throws ProtocolException {
        long next = ring.end();
        long offset = frameOffset + pos;
        if (offset > next) {
            throw new ProtocolException("gap in the " + peer + "'s stream: DATA at " + offset
                    + " but only " + next + " bytes received");
        }
        if (pos == 0) {
            long frameEnd = frameOffset + frameLength;
            if (fin >= 0 && frameEnd > fin) {
                throw new ProtocolException("DATA beyond the " + peer + "'s FIN at " + fin);
            }
            if (frameEnd <= next) {
                return -1;
            }
            if (!discarding && frameEnd > windowEnd()) {
                throw new ProtocolException(peer + " sent up to " + frameEnd + " beyond the window " + windowEnd());
            }
        }
        long end = offset + len;
        if (end <= next) {
            return 0; // a piece of a frame that was (partly) a duplicate
        }
        int skip = (int) (next - offset);
        int n = len - skip;
        ring.append(src, off + skip, n);
        if (discarding) {
            ring.trimTo(ring.end()); // accounted for, so that the window moves on; nobody reads it
            readPos = ring.end();
            return 0;
        }
        return n;
    }

    /**
     * Room for up to {@code max} bytes of a DATA payload from {@code pos} on that continue exactly
     * at {@link #received()} (a first piece only within the window and the FIN), to be read
     * straight into the ring: returns how many contiguous bytes from {@link #reservedIndex()} of {@link
     * #array()} may be filled (0: not now, read them the usual way). The window bounds the
     * growth. Committed by {@link #accept} of that array and index.
     */
    int reserve(long frameOffset, int frameLength, int pos, int max) {
        if (discarding || frameOffset + pos != ring.end()) {
            return 0;
        }
        if (pos == 0) { // the frame's first piece: what accept checks first, checked before growing
            long frameEnd = frameOffset + frameLength;
            if ((fin >= 0 && frameEnd > fin) || frameEnd > windowEnd()) {
                return 0; // accept will say what is wrong
            }
        }
        return ring.reserveTail(max);
    }

    byte[] array() {
        return ring.array();
    }

    int reservedIndex() {
        return ring.tailIndex();
    }

    long reservation() {
        return ring.reservation();
    }

    void cancelReservation(long id) {
        ring.cancelReservation(id);
    }

    int read(byte[] b, int off, int len) {
        int n = Math.min(len, available());
        ring.copy(readPos, b, off, n);
        readPos += n;
        if (trimOnRead) {
            ring.trimTo(readPos);
        }
        return n;
    }

    int read() {
        int v = ring.byteAt(readPos);
        readPos++;
        if (trimOnRead) {
            ring.trimTo(readPos);
        }
        return v;
    }

    /** Drops what was read below {@code upTo} (the server's snapshot): the window moves. */
    public void release(long upTo) {
        ring.trimTo(Math.min(upTo, readPos));
    }

    /** The application is gone: unread bytes are dropped, later ones on arrival. */
    public void discard() {
        discarding = true;
        ring.trimTo(ring.end());
        readPos = ring.end();
    }

    public byte[] slice(long from, long to) {
        return ring.slice(from, to);
    }

    void releaseMemory() {
        ring.release();
    }
}
