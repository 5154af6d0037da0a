package org.mtcp.core.policy;

import java.time.Duration;
import java.util.Optional;

/**
 * The paper's streaming policy (section 5): an EWMA of the inbound data rate,
 * {@code S = alpha * M + (1 - alpha) * S}, and a migration when it falls {@code drop} below the
 * best smoothed rate seen from the current server.
 *
 * <p>Rate samples: bytes are counted from arrival to arrival; once a window spans at least
 * {@code sample}, it yields one measured rate {@code M}. A gap of more than {@code idle}
 * between arrivals restarts the window without a sample, so a connection that is merely idle
 * (no request outstanding) does not look slow.
 *
 * <p>Warm-up, per holder: the first {@link #WARMUP_SAMPLES} samples are discarded (they hold
 * the start-up burst, e.g. the retained bytes a new holder sends at once, which would set a
 * "best" no steady stream reaches and cause a migration storm); the EWMA starts after them, the
 * best is tracked once the EWMA has {@link #WARMUP_SAMPLES} samples, and nothing fires before
 * {@code minBytes} came from the current server. Everything restarts with a new holder.
 *
 * <p>Meant for continuous streams; a server that stops sending altogether is caught by
 * {@link SilencePolicy} or by keepalives, not by this one.
 */
public final class InboundRatePolicy implements MigrationPolicy {

    /** Samples discarded after a new holder, then EWMA samples before the best is tracked. */
    public static final int WARMUP_SAMPLES = 4;

    private final double alpha;
    private final double drop;
    private final long minBytes;
    private final long sampleNanos;
    private final long idleNanos;

    private String server = "?";
    private double smoothed = -1;
    private double best;
    private long bytesFromHolder;
    private long windowStart;
    private long windowBytes;
    private long lastArrival;
    private int samples;
    private int smoothedSamples;

    public InboundRatePolicy(double alpha, double drop, long minBytes, Duration sample, Duration idle) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1]: " + alpha);
        }
        if (!(drop > 0 && drop < 1)) {
            throw new IllegalArgumentException("drop must be in (0, 1): " + drop);
        }
        if (minBytes < 0) {
            throw new IllegalArgumentException("min-bytes must not be negative: " + minBytes);
        }
        if (sample.isNegative() || sample.isZero() || idle.compareTo(sample) < 0) {
            throw new IllegalArgumentException("need 0 < sample <= idle: sample " + sample + ", idle " + idle);
        }
        this.alpha = alpha;
        this.drop = drop;
        this.minBytes = minBytes;
        this.sampleNanos = sample.toNanos();
        this.idleNanos = idle.toNanos();
    }

    /** The paper's settings: alpha 1/8, 25% drop, 16 KiB warm-up, 100 ms samples, 1 s idle. */
    public InboundRatePolicy() {
        this(0.125, 0.25, 16 * 1024, Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    @Override
    public String name() {
        return "rate";
    }

    @Override
    public synchronized void onNewHolder(String server, long nanoTime) {
        this.server = server;
        smoothed = -1;
        best = 0;
        bytesFromHolder = 0;
        windowStart = nanoTime;
        windowBytes = 0;
        lastArrival = nanoTime;
        samples = 0;
        smoothedSamples = 0;
    }

    @Override
    public synchronized void onBytesReceived(int bytes, long nanoTime) {
        if (nanoTime - lastArrival > idleNanos) {
            windowStart = nanoTime; // idle, not slow: start measuring afresh
            windowBytes = 0;
        }
        lastArrival = nanoTime;
        bytesFromHolder += bytes;
        windowBytes += bytes;
        long elapsed = nanoTime - windowStart;
        if (elapsed >= sampleNanos) {
            double measured = windowBytes * 1e9 / elapsed;
            samples++;
            if (samples > WARMUP_SAMPLES) {
                smoothed = smoothed < 0 ? measured : alpha * measured + (1 - alpha) * smoothed;
                smoothedSamples++;
                if (smoothedSamples >= WARMUP_SAMPLES) {
                    best = Math.max(best, smoothed);
                }
            }
            windowStart = nanoTime;
            windowBytes = 0;
        }
    }

    @Override
    public synchronized Optional<String> evaluate(long nanoTime) {
        if (smoothedSamples <= WARMUP_SAMPLES || bytesFromHolder < minBytes || best <= 0) {
            return Optional.empty();
        }
        if (smoothed < (1 - drop) * best) {
            return Optional.of(String.format(java.util.Locale.ROOT,
                    "rate: inbound rate from %s fell to %.1f KB/s, %.0f%% below its best %.1f KB/s",
                    server, smoothed / 1000, 100 * (1 - smoothed / best), best / 1000));
        }
        return Optional.empty();
    }

    /** The smoothed rate in bytes per second, or -1 before the first sample (tests, logs). */
    public synchronized double smoothedRate() {
        return smoothed;
    }
}
