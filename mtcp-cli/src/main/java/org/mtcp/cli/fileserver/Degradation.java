package org.mtcp.cli.fileserver;

import java.time.Duration;

/**
 * The paper's section 5 server degradation: after a server has sent {@code afterBytes} on a
 * connection it holds (counted afresh on every server that takes the connection over), it waits
 * before each further chunk, {@code step} longer every chunk (step, 2*step, 3*step, ...), never
 * more than {@code maxDelay}. A client whose rate policy sees the rate fall moves to a server
 * that has not degraded yet.
 *
 * @param afterBytes bytes sent by this server on the connection before it slows down; negative
 *     for never
 * @param step growth of the delay per chunk
 * @param maxDelay upper bound of one delay
 */
public record Degradation(long afterBytes, Duration step, Duration maxDelay) {

    public static final Degradation NONE = new Degradation(-1, Duration.ZERO, Duration.ZERO);

    public Degradation {
        if (step.isNegative() || maxDelay.isNegative()) {
            throw new IllegalArgumentException("negative delay");
        }
    }

    public boolean enabled() {
        return afterBytes >= 0 && !step.isZero() && !maxDelay.isZero();
    }

    /**
     * The delay before the next chunk, given the bytes this server has sent on the connection
     * and the number of chunks it already delayed.
     */
    public long delayNanos(long sentByThisServer, long delayedChunks) {
        if (!enabled() || sentByThisServer < afterBytes) {
            return 0;
        }
        long k = delayedChunks + 1;
        long stepNanos = step.toNanos();
        long max = maxDelay.toNanos();
        if (k > max / Math.max(1, stepNanos)) {
            return max;
        }
        return Math.min(max, k * stepNanos);
    }

    @Override
    public String toString() {
        return enabled() ? "after " + afterBytes + "B +" + step.toNanos() / 1_000 + "us/chunk (max "
                + maxDelay.toMillis() + "ms)" : "none";
    }
}
