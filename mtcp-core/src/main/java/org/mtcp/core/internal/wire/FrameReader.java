package org.mtcp.core.internal.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import org.mtcp.core.internal.ReadBuffer;

/**
 * Blocking reader of decoded messages from a stream: reads whatever the socket has, feeds the
 * decoder, returns messages one by one. Messages decoded before a protocol error are still
 * returned; the error is thrown after them. The read buffer follows the traffic ({@link ReadBuffer}):
 * a quiet stream's reader holds 512 bytes, a busy one up to 16 KiB.
 *
 * @param <T> the message type of the decoder
 */
public final class FrameReader<T> {

    /** Largest read: one DATA frame of the preferred size and its header fit in one. */
    public static final int READ_BUFFER = Wire.PREFERRED_DATA_PAYLOAD + 64;

    private final InputStream in;
    private final LengthPrefixedDecoder<T> decoder;
    /**
     * Bytes read after a payload that went straight to its consumer: the next frame's header up
     * to a DATA frame's offset, read alone so that its payload can go straight there too.
     */
    static final int HEADER_READ = Wire.LENGTH_BYTES + 1 + 8;

    private final ReadBuffer buf = new ReadBuffer(READ_BUFFER);
    private final byte[] header = new byte[HEADER_READ];
    /** What the last read filled: the read buffer's array or {@link #header}. */
    private byte[] src;
    /** Bytes {@code [pos, limit)} of the last read are not decoded yet. */
    private int pos;
    private int limit;
    /** The last read went straight to a payload's consumer: a stream in bulk. */
    private boolean bulk;
    private ProtocolException pending;

    public FrameReader(InputStream in, LengthPrefixedDecoder<T> decoder) {
        this.in = in;
        this.decoder = decoder;
    }

    /** The next message, or null at a clean end of stream (between frames). */
    public T read() throws IOException {
        while (true) {
            T m = decoder.poll();
            if (m != null) {
                return m;
            }
            if (pending != null) {
                throw pending;
            }
            if (pos < limit) {
                // Up to the end of one message at a time: what follows it may be a streamed body
                // whose consumer the caller sets up on seeing the message (after a handshake).
                try {
                    pos += decoder.feedSome(src, pos, limit - pos);
                } catch (ProtocolException e) {
                    pending = e;
                    pos = limit;
                }
                continue;
            }
            int direct = decoder.readDirect(in); // the rest of a DATA payload, straight to its ring
            if (direct >= 0) {
                bulk = direct > 0;
                continue;
            }
            if (direct != DataSink.NOT_DIRECT) {
                throw new EOFException("connection closed in the middle of a frame");
            }
            int n;
            if (bulk && decoder.atFrameBoundary()) {
                bulk = false;
                src = header;
                n = in.read(header, 0, HEADER_READ);
            } else {
                n = buf.readFrom(in);
                src = buf.array();
            }
            if (n < 0) {
                if (decoder.atFrameBoundary()) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a frame");
            }
            pos = 0;
            limit = n;
        }
    }

    /** The decoder, e.g. to give a {@link FrameDecoder} the sink of DATA payloads. */
    public LengthPrefixedDecoder<T> decoder() {
        return decoder;
    }
}
