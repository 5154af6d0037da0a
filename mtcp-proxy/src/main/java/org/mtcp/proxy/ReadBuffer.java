package org.mtcp.proxy;

import java.io.IOException;
import java.io.InputStream;

/**
 * The buffer of a blocking read loop, sized to the traffic: small while the stream is quiet (an
 * idle connection's reader holds {@link #SMALL} bytes, not a burst's worth), doubled after each
 * read that filled it, up to {@code max}, and back to small after a short read. Not thread-safe:
 * one reading thread.
 *
 * <p>The proxy's pumps relay plain TCP with it; mtcp-core's frame reader has the same policy in
 * its own internal copy (a module's internals are not another module's API).
 */
final class ReadBuffer {

    /** What a quiet stream holds: an idle client costs this much, not a burst's worth. */
    static final int SMALL = 512;

    private final int max;
    private final byte[] small;
    private byte[] current;
    private int lastRead = -1;

    ReadBuffer(int max) {
        this.max = Math.max(SMALL, max);
        this.small = new byte[SMALL];
        this.current = small;
    }

    /**
     * One {@code read} into the buffer; the bytes are in {@link #array()} from 0 until the next
     * call. Returns what {@code read} returned.
     */
    int readFrom(InputStream in) throws IOException {
        byte[] into = next();
        int n = in.read(into, 0, into.length);
        current = into;
        lastRead = n;
        return n;
    }

    /** The array the last {@link #readFrom} filled. */
    byte[] array() {
        return current;
    }

    private byte[] next() {
        if (lastRead == current.length && current.length < max) {
            return new byte[Math.min(max, 2 * current.length)]; // the stream is busy: grow
        }
        if (lastRead >= 0 && lastRead < SMALL && current != small) {
            return small; // a short read: the burst is over, let the large array go
        }
        return current;
    }
}
