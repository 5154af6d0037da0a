package org.mtcp.core;

import org.mtcp.core.internal.stream.FrameCounters;
import org.mtcp.core.internal.wire.FrameType;

/**
 * DATA and ACK frames that this process's M-TCP client ends, or server ends, have sent and
 * received since it started: diagnostics, for benchmarks that report frames per MB (ACKs are
 * coalesced, docs/protocol.md). Counting costs nothing per frame worth mentioning.
 *
 * @param dataSent DATA frames sent
 * @param ackSent ACK frames sent
 * @param dataReceived DATA frames received
 * @param ackReceived ACK frames received
 */
public record FrameCounts(long dataSent, long ackSent, long dataReceived, long ackReceived) {

    /** The counts of every client end ({@link MtcpSocket}) of this process. */
    public static FrameCounts clientEnds() {
        return of(FrameCounters.CLIENT);
    }

    /** The counts of every server end ({@link MtcpServer}) of this process. */
    public static FrameCounts serverEnds() {
        return of(FrameCounters.SERVER);
    }

    private static FrameCounts of(FrameCounters c) {
        return new FrameCounts(c.sentCount(FrameType.DATA), c.sentCount(FrameType.ACK),
                c.receivedCount(FrameType.DATA), c.receivedCount(FrameType.ACK));
    }
}
