package org.mtcp.core.internal.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Big-endian writer into a growable array: the one place that lays out integers, strings and
 * blobs for both the service protocol and the control plane, so the two codecs agree on them.
 */
public final class WireWriter {

    private byte[] buf;
    private int size;

    public WireWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int more) {
        int need = size + more;
        if (need < 0) {
            throw new IllegalStateException("frame too large");
        }
        if (need > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
        }
    }

    public WireWriter u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    public WireWriter u16(int v) {
        if (v < 0 || v > 0xFFFF) {
            throw new IllegalArgumentException("u16 out of range: " + v);
        }
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
        return this;
    }

    public WireWriter u32(long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("u32 out of range: " + v);
        }
        ensure(4);
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
        return this;
    }

    public WireWriter i64(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (v >>> shift);
        }
        return this;
    }

    public WireWriter raw(byte[] bytes) {
        return raw(bytes, 0, bytes.length);
    }

    public WireWriter raw(byte[] bytes, int off, int len) {
        ensure(len);
        System.arraycopy(bytes, off, buf, size, len);
        size += len;
        return this;
    }

    /** A UTF-8 string with a u16 length prefix. */
    public WireWriter string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u16(b.length).raw(b);
    }

    /** A blob with a u16 length prefix. */
    public WireWriter blob16(byte[] b) {
        return u16(b.length).raw(b);
    }

    /** A blob with a u32 length prefix. */
    public WireWriter blob32(byte[] b) {
        return u32(b.length).raw(b);
    }

    public int size() {
        return size;
    }

    /** Overwrites 4 bytes at {@code pos} (used for length prefixes written after the body). */
    public void patchU32(int pos, long v) {
        buf[pos] = (byte) (v >>> 24);
        buf[pos + 1] = (byte) (v >>> 16);
        buf[pos + 2] = (byte) (v >>> 8);
        buf[pos + 3] = (byte) v;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /**
     * Makes room for {@code n} bytes at the end and returns where they start in {@link #array()}
     * (call {@code array()} after this: the array may have grown); the caller fills them in.
     */
    public int reserve(int n) {
        ensure(n);
        int at = size;
        size += n;
        return at;
    }

    /** The backing array: bytes {@code [0, size())} are the content. */
    public byte[] array() {
        return buf;
    }

    /** Gives back a grown array (a send buffer gone idle); the content must be empty. */
    public void release() {
        if (size == 0 && buf.length > 4096) {
            buf = new byte[256];
        }
    }

    /** Empties the writer and keeps its capacity, for reuse as a send buffer. */
    public void clear() {
        size = 0;
    }
}
