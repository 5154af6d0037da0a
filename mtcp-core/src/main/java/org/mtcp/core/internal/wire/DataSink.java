package org.mtcp.core.internal.wire;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where a {@link FrameDecoder} puts DATA payloads instead of building {@link Frame.Data} records:
 * straight from the read buffer into the receiver's stream buffer, one copy, no allocation.
 */
@FunctionalInterface
public interface DataSink {

    /**
     * {@code len} payload bytes of the DATA frame at stream offset {@code frameOffset} with a
     * payload of {@code frameLength} bytes: the bytes from {@code pos} in that payload, valid during
     * the call only. A payload may come in several pieces, in order; the first has {@code pos} 0,
     * so the whole frame can be checked before any of it is taken.
     */
    void data(long frameOffset, int frameLength, int pos, byte[] src, int off, int len) throws ProtocolException;

    /** What {@link #readDirect} returns when it did not read: the caller reads the usual way. */
    int NOT_DIRECT = -2;

    /**
     * The decoder is inside a DATA payload and has no bytes buffered: the sink may read up to
     * {@code max} more payload bytes (from {@code pos} on) from {@code in} straight to where they
     * belong, saving the read buffer's copy. Returns what {@code in.read} returned (the bytes
     * are then taken, as by {@link #data}), or {@link #NOT_DIRECT} to let the reader buffer them.
     */
    default int readDirect(long frameOffset, int frameLength, int pos, int max, InputStream in) throws IOException {
        return NOT_DIRECT;
    }
}
