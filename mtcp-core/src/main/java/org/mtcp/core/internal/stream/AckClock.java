package org.mtcp.core.internal.stream;

import java.util.concurrent.TimeUnit;

/**
 * When the receiver acknowledges (delayed ACK in bytes and in time, a sender policy only: the
 * peer sees fewer ACK frames, nothing else). An ACK goes out at once when a quarter of the
 * receive window (at most {@link #MAX_THRESHOLD}) arrived or was consumed since the last one, when
 * the peer filled the window it was given and the window reopens, and for a FIN, a duplicate or
 * a new link; otherwise {@link #DELAY_NANOS} after the first unacknowledged byte. Guarded by the
 * stream's lock.
 */
final class AckClock {

    /** The longest an acknowledgement waits for company. */
    static final long DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** Bytes that make an acknowledgement due whatever the window (a sender's retention may be smaller). */
    static final long MAX_THRESHOLD = 512 * 1024;

    private final long threshold;
    /** What the last ACK said: received up to, window up to. */
    private long ackedReceived;
    private long advertised;
    private boolean due;
    private boolean timed;
    private long deadline;

    AckClock(long windowSize, long received, long windowEnd) {
        this.threshold = Math.max(1, Math.min(windowSize / 4, MAX_THRESHOLD));
        this.ackedReceived = received;
        this.advertised = windowEnd;
    }

    /** An ACK must go out with the next frames (FIN, duplicate, new link). */
    void now() {
        due = true;
    }

    /** Bytes arrived, the stream now reaches {@code received}; true when the sender must look again. */
    boolean received(long received, long nowNanos) {
        if (due) {
            return false;
        }
        if (received - ackedReceived >= threshold) {
            due = true;
            return true;
        }
        if (!timed) {
            timed = true;
            deadline = nowNanos + DELAY_NANOS;
            return true; // the sender's wait must end by the deadline
        }
        return false;
    }

    /** The window may have moved to {@code windowEnd}; true when an ACK became due. */
    boolean windowMoved(long windowEnd, long received) {
        if (due || windowEnd <= advertised) {
            return false;
        }
        if (windowEnd - advertised >= threshold || advertised <= received) {
            due = true; // a large move, or the peer is stalled on the window it was given
            return true;
        }
        return false;
    }

    boolean shouldSend(long nowNanos) {
        return due || (timed && nowNanos - deadline >= 0);
    }

    void sent(long received, long windowEnd) {
        ackedReceived = received;
        advertised = windowEnd;
        due = false;
        timed = false;
    }

    /** How long the sender may wait before an ACK is due (0: now, Long.MAX_VALUE: none pending). */
    long nanosToDue(long nowNanos) {
        if (due) {
            return 0;
        }
        return timed ? Math.max(0, deadline - nowNanos) : Long.MAX_VALUE;
    }

    long advertised() {
        return advertised;
    }
}
