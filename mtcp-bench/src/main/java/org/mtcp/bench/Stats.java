package org.mtcp.bench;

import java.util.Arrays;

/**
 * Order statistics of one series of samples: nearest-rank percentiles (no interpolation, so every
 * number reported is one that was actually measured).
 */
public final class Stats {

    private final double[] sorted;

    public Stats(double[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        sorted = samples.clone();
        Arrays.sort(sorted);
    }

    public static Stats of(long[] samples) {
        return new Stats(Arrays.stream(samples).asDoubleStream().toArray());
    }

    public int count() {
        return sorted.length;
    }

    /** Nearest-rank percentile, {@code p} in (0, 100]. */
    public double percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile " + p);
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    public double median() {
        return percentile(50);
    }

    public double p90() {
        return percentile(90);
    }

    public double p99() {
        return percentile(99);
    }

    public double min() {
        return sorted[0];
    }

    public double max() {
        return sorted[sorted.length - 1];
    }

    public double mean() {
        double s = 0;
        for (double v : sorted) {
            s += v;
        }
        return s / sorted.length;
    }
}
