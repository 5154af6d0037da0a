package org.mtcp.core.internal;

import java.util.Arrays;

/**
 * Bytes of a stream addressed by absolute offsets: holds {@code [start, end)}, appends at the
 * end, trims at the start. A growable ring. By default it shrinks back when mostly empty; a
 * stream's buffers ({@link #highWater}) keep their high-water capacity instead, so a bulk transfer
 * does not reallocate on every drain and refill, and give memory back only when told ({@link
 * #release}, when the stream has been idle). Not thread-safe: guarded by its owner's lock. Limits
 * are the owner's business (it checks {@link #size()} before appending).
 */
public final class OffsetBuffer {

    private static final int MIN_CAPACITY = 1024;

    private byte[] buf = new byte[MIN_CAPACITY];
    private int head;
    private int size;
    private long start;
    private final boolean keepCapacity;
    /**
     * The free tail handed out by {@link #reserveTail}, or null: a reader fills it outside the
     * owner's lock, so while it is out the bytes there stay where they are (no resize, no
     * re-basing of an empty buffer), and any other append moves the content to a fresh array
     * first (the reader then fills an array nobody looks at).
     */
    private byte[] reserved;
    private int reservedAt;
    /** Counts reservations: the one a reader holds is named by its number ({@link #reservation}). */
    private long reservations;

    public OffsetBuffer(long start) {
        this(start, false);
    }

    private OffsetBuffer(long start, boolean keepCapacity) {
        this.start = start;
        this.keepCapacity = keepCapacity;
    }

    /** A buffer that keeps its high-water capacity until {@link #release}. */
    public static OffsetBuffer highWater(long start) {
        return new OffsetBuffer(start, true);
    }

    public long start() {
        return start;
    }

    public long end() {
        return start + size;
    }

    public int size() {
        return size;
    }

    public void append(byte[] b, int off, int len) {
        if (len == 0) {
            return;
        }
        if (reserved != null) {
            if (b == buf && b == reserved && off == reservedAt && off == tailIndex()
                    && len <= freeContiguous()) {
                reserved = null; // the reader filled the reserved tail in place: nothing to copy
                size += len;
                return;
            }
            abandonReservation();
        }
        if ((long) size + len > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("buffer overflow");
        }
        if (size + len > buf.length) {
            resize(Math.max(size + len, (int) Math.min(Integer.MAX_VALUE - 16, 2L * buf.length)));
        }
        int tail = (head + size) % buf.length;
        int first = Math.min(len, buf.length - tail);
        System.arraycopy(b, off, buf, tail, first);
        System.arraycopy(b, off + first, buf, 0, len - first);
        size += len;
    }

    /** Appends one byte. */
    public void append(int b) {
        if (reserved != null) {
            abandonReservation();
        }
        if (size == buf.length) {
            resize((int) Math.min(Integer.MAX_VALUE - 16, 2L * buf.length));
        }
        buf[(head + size) % buf.length] = (byte) b;
        size++;
    }

    /** The byte at absolute offset {@code at}. */
    public int byteAt(long at) {
        check(at, 1);
        return buf[(int) ((head + (at - start)) % buf.length)] & 0xFF;
    }

    /** The backing array (for a writer that sends from it in place: see {@link #indexOf}). */
    public byte[] array() {
        return buf;
    }

    /** Where absolute offset {@code at} is in {@link #array()}; the bytes run to its end, then from 0. */
    public int indexOf(long at) {
        check(at, 0);
        return (int) ((head + (at - start)) % buf.length);
    }

    /** Copies {@code len} bytes starting at absolute offset {@code from} into {@code dst}. */
    public void copy(long from, byte[] dst, int dstOff, int len) {
        check(from, len);
        int pos = (int) ((head + (from - start)) % buf.length);
        int first = Math.min(len, buf.length - pos);
        System.arraycopy(buf, pos, dst, dstOff, first);
        System.arraycopy(buf, 0, dst, dstOff + first, len - first);
    }

    public byte[] slice(long from, long to) {
        byte[] out = new byte[Math.toIntExact(to - from)];
        copy(from, out, 0, out.length);
        return out;
    }

    /**
     * Compares {@code len} bytes of {@code b} with the buffer at {@code from}; returns the
     * absolute offset of the first difference, or -1 when equal.
     */
    public long mismatch(long from, byte[] b, int off, int len) {
        check(from, len);
        int pos = (int) ((head + (from - start)) % buf.length);
        // The ring holds the range in at most two runs; Arrays.mismatch compares each vectorized.
        int first = Math.min(len, buf.length - pos);
        int i = Arrays.mismatch(buf, pos, pos + first, b, off, off + first);
        if (i >= 0) {
            return from + i;
        }
        int j = Arrays.mismatch(buf, 0, len - first, b, off + first, off + len);
        return j < 0 ? -1 : from + first + j;
    }

    /** Drops every byte below {@code newStart} (a no-op when it is at or below the start). */
    public void trimTo(long newStart) {
        if (newStart <= start) {
            return;
        }
        if (newStart > end()) {
            throw new IllegalArgumentException("trim to " + newStart + " beyond end " + end());
        }
        int n = (int) (newStart - start);
        head = (head + n) % buf.length;
        size -= n;
        start = newStart;
        if (size == 0 && reserved == null) {
            head = 0;
        }
        if (!keepCapacity && reserved == null && buf.length > 4 * MIN_CAPACITY && size < buf.length / 4) {
            resize(Math.max(MIN_CAPACITY, 2 * size));
        }
    }

    /** Gives back memory beyond what the content needs (a high-water buffer gone idle). */
    public void release() {
        if (reserved == null && buf.length > 4 * MIN_CAPACITY && size < buf.length / 4) {
            resize(Math.max(MIN_CAPACITY, 2 * size));
        }
    }

    /** Empties the buffer and restarts it at {@code newStart}. */
    public void reset(long newStart) {
        reserved = null;
        start = newStart;
        size = 0;
        head = 0;
        if (!keepCapacity && buf.length > MIN_CAPACITY) {
            buf = new byte[MIN_CAPACITY];
        }
    }

    /**
     * Hands out the free space at the end for a reader to fill outside the owner's lock (a
     * socket read straight into the buffer): grows so that {@code want} bytes fit, then returns
     * how many contiguous bytes from {@link #tailIndex()} of {@link #array()} may be filled, 0 when
     * another reservation is out. The reader commits what it read with {@link #append} of that
     * very array and index (no copy), or {@link #cancelReservation}. One reservation at a time.
     */
    public int reserveTail(int want) {
        if (reserved != null || want <= 0) {
            return 0;
        }
        if (buf.length - size < want) {
            resize(Math.max(size + want, (int) Math.min(Integer.MAX_VALUE - 16, 2L * buf.length)));
        }
        if (size == 0) {
            head = 0; // empty: the whole array is one run
        }
        int n = Math.min(want, freeContiguous());
        if (n > 0) {
            reserved = buf;
            reservedAt = tailIndex();
            reservations++;
        }
        return n;
    }

    /** Where the next appended byte goes in {@link #array()}. */
    public int tailIndex() {
        return (head + size) % buf.length;
    }

    /** The number of the last reservation {@link #reserveTail} handed out. */
    public long reservation() {
        return reservations;
    }

    /** Withdraws reservation number {@code id} if it is still out (its reader is done with it). */
    public void cancelReservation(long id) {
        if (reserved != null && reservations == id) {
            reserved = null;
        }
    }

    private int freeContiguous() {
        int tail = tailIndex();
        return size == buf.length ? 0 : tail >= head ? buf.length - tail : head - tail;
    }

    /** Another writer appends while a reader fills the reserved tail: leave it its old array. */
    private void abandonReservation() {
        reserved = null;
        resize(buf.length);
    }

    /** Bytes allocated (for tests that check memory stays bounded). */
    public int capacity() {
        return buf.length;
    }

    private void check(long from, int len) {
        if (from < start || len < 0 || from + len > end()) {
            throw new IndexOutOfBoundsException("[" + from + ", " + (from + len) + ") outside ["
                    + start + ", " + end() + ")");
        }
    }

    private void resize(int capacity) {
        byte[] n = new byte[capacity];
        int first = Math.min(size, buf.length - head);
        System.arraycopy(buf, head, n, 0, first);
        System.arraycopy(buf, 0, n, first, size - first);
        buf = n;
        head = 0;
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end() + ")";
    }

    /** For tests: equality of content with an array. */
    boolean contentEquals(byte[] expected) {
        return Arrays.equals(slice(start, end()), expected);
    }
}
