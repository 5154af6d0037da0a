package org.mtcp.core.internal.wire;

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
}
