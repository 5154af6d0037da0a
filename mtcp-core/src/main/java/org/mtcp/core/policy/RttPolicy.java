package org.mtcp.core.policy;

import java.time.Duration;
import java.util.Optional;

/**
 * Migrates when the smoothed keepalive round-trip time to the holder (EWMA, gain 1/8, as TCP's
 * SRTT) exceeds the threshold, after {@link #MIN_SAMPLES} samples from that holder.
 */
public final class RttPolicy implements MigrationPolicy {

    public static final int MIN_SAMPLES = 3;

    private final long thresholdNanos;
    private String server = "?";
    private long srtt = -1;
    private int samples;

    public RttPolicy(Duration threshold) {
        if (threshold.isNegative() || threshold.isZero()) {
            throw new IllegalArgumentException("rtt threshold must be positive: " + threshold);
        }
        this.thresholdNanos = threshold.toNanos();
    }

    @Override
    public String name() {
        return "rtt";
    }

    @Override
    public synchronized void onNewHolder(String server, long nanoTime) {
        this.server = server;
        srtt = -1;
        samples = 0;
    }

    @Override
    public synchronized void onRoundTrip(long rttNanos, long nanoTime) {
        srtt = srtt < 0 ? rttNanos : srtt + (rttNanos - srtt) / 8;
        samples++;
    }

    @Override
    public synchronized Optional<String> evaluate(long nanoTime) {
        if (samples >= MIN_SAMPLES && srtt > thresholdNanos) {
            return Optional.of("rtt: smoothed round trip to " + server + " is " + srtt / 1_000_000
                    + " ms (threshold " + thresholdNanos / 1_000_000 + " ms)");
        }
        return Optional.empty();
    }
}
