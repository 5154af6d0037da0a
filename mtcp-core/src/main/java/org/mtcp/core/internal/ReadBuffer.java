package org.mtcp.core.internal;

import java.io.IOException;
import java.io.InputStream;

/**
 * The buffer of a blocking read loop, sized to the traffic: small while the stream is quiet (an
 * idle connection's reader holds {@link #SMALL} bytes, not a burst's worth), doubled after each
 * read that filled it, up to {@code max}, and back to small after a short read. The largest
 * array is kept for reuse until {@link #RELEASE_AFTER} short reads in a row, so a busy stream
 * with the odd short read does not allocate its way back up each time. Not thread-safe: one
 * reading thread.
 */
public final class ReadBuffer {

    /** What a quiet stream holds: keepalive and acknowledgement frames fit many times. */
    public static final int SMALL = 512;

    /** Short reads in a row after which the grown array is let go (the stream went quiet). */
    static final int RELEASE_AFTER = 64;

    private final int max;
    private final byte[] small;
    private byte[] current;
    /** The largest array grown to, kept while the stream is busy; null when quiet. */
    private byte[] grown;
    private int shortReads;
    private int lastRead = -1;

    public ReadBuffer(int max) {
        this.max = Math.max(SMALL, max);
        this.small = new byte[SMALL];
        this.current = small;
    }

    /**
     * One {@code read} into the buffer; the bytes are in {@link #array()} from 0 until the next
     * call. Returns what {@code read} returned.
     */
    public int readFrom(InputStream in) throws IOException {
        byte[] into = next();
        int n = in.read(into, 0, into.length);
        current = into;
        lastRead = n;
        return n;
    }

    /** The array the last {@link #readFrom} filled. */
    public byte[] array() {
        return current;
    }

    /** Bytes held now (for tests). */
    public int capacity() {
        return current.length;
    }

    private byte[] next() {
        if (lastRead == current.length && current.length < max) {
            shortReads = 0;
            if (grown == null || grown.length <= current.length) {
                grown = new byte[Math.min(max, 2 * current.length)]; // the stream is busy: grow
            }
            return grown;
        }
        if (lastRead >= 0 && lastRead < SMALL) {
            if (++shortReads >= RELEASE_AFTER) {
                grown = null; // quiet for a while: let the large array go
            }
            return small;
        }
        if (lastRead >= SMALL) {
            shortReads = 0;
        }
        return current;
    }
}
