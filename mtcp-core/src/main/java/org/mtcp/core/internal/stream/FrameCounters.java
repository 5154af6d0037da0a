package org.mtcp.core.internal.stream;

import java.util.concurrent.atomic.LongAdder;
import org.mtcp.core.internal.wire.FrameType;

/**
 * Frames sent and received, per type, by all the client ends or all the server ends of this
 * process: internal counters for benchmarks (frames per MB each way) and tests of the ACK policy.
 * Counting allocates nothing.
 */
public final class FrameCounters {

    /** Every client end of this process. */
    public static final FrameCounters CLIENT = new FrameCounters();
    /** Every server end of this process. */
    public static final FrameCounters SERVER = new FrameCounters();

    private final LongAdder[] sent = adders();
    private final LongAdder[] received = adders();

    private FrameCounters() {}

    private static LongAdder[] adders() {
        LongAdder[] a = new LongAdder[FrameType.values().length];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    public void sent(FrameType type) {
        sent[type.ordinal()].increment();
    }

    public void received(FrameType type) {
        received[type.ordinal()].increment();
    }

    public long sentCount(FrameType type) {
        return sent[type.ordinal()].sum();
    }

    public long receivedCount(FrameType type) {
        return received[type.ordinal()].sum();
    }
}
