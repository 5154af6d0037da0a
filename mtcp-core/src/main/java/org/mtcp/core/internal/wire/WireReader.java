package org.mtcp.core.internal.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Bounds-checked big-endian reader over one frame body. Every read checks the remaining length
 * first and fails with a {@link ProtocolException} naming the field, so a lying length inside a
 * body can never read past the frame or allocate more than the frame holds.
 */
public final class WireReader {

    private final byte[] buf;
    private int pos;
    private final int end;

    public WireReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public WireReader(byte[] buf, int off, int len) {
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
    }

    public int remaining() {
        return end - pos;
    }

    private void need(int n, String field) throws ProtocolException {
        if (n < 0 || end - pos < n) {
            throw new ProtocolException("truncated " + field + ": need " + n + " bytes, "
                    + (end - pos) + " left");
        }
    }

    public int u8(String field) throws ProtocolException {
        need(1, field);
        return buf[pos++] & 0xFF;
    }

    public int u16(String field) throws ProtocolException {
        need(2, field);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    public long u32(String field) throws ProtocolException {
        need(4, field);
        long v = ((long) (buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16)
                | ((buf[pos + 2] & 0xFF) << 8) | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    public long i64(String field) throws ProtocolException {
        need(8, field);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    /** A stream offset or count: a 64-bit value that must not be negative. */
    public long offset(String field) throws ProtocolException {
        long v = i64(field);
        if (v < 0) {
            throw new ProtocolException(field + " is negative: " + v);
        }
        return v;
    }

    public byte[] raw(int n, String field) throws ProtocolException {
        need(n, field);
        byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return b;
    }

    public byte[] rest() {
        byte[] b = Arrays.copyOfRange(buf, pos, end);
        pos = end;
        return b;
    }

    public String string(String field, int maxBytes) throws ProtocolException {
        int n = u16(field + " length");
        if (n > maxBytes) {
            throw new ProtocolException(field + " too long: " + n + " > " + maxBytes + " bytes");
        }
        need(n, field);
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, pos, n))
                    .toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw new ProtocolException(field + " is not valid UTF-8");
        }
    }

    public byte[] blob16(String field, int maxBytes) throws ProtocolException {
        int n = u16(field + " length");
        if (n > maxBytes) {
            throw new ProtocolException(field + " too long: " + n + " > " + maxBytes + " bytes");
        }
        return raw(n, field);
    }

    public byte[] blob32(String field, long maxBytes) throws ProtocolException {
        long n = u32(field + " length");
        if (n > maxBytes) {
            throw new ProtocolException(field + " too long: " + n + " > " + maxBytes + " bytes");
        }
        return raw((int) n, field);
    }

    /** Fails unless the body was consumed exactly: trailing bytes are a protocol error. */
    public void end(String what) throws ProtocolException {
        if (pos != end) {
            throw new ProtocolException(what + " has " + (end - pos) + " trailing bytes");
        }
    }
}
