package org.mtcp.core.policy;

import java.time.Duration;
import java.util.Optional;

/**
 * Migrates when nothing at all (data, acknowledgement, keepalive answer) has come from the holder
 * for longer than the threshold: a stalled server or path, caught earlier than by the missed
 * keepalive limit. A live holder answers every keepalive, so the threshold must exceed the
 * keepalive interval plus a round trip.
 */
public final class SilencePolicy implements MigrationPolicy {

    private final long thresholdNanos;
    private String server = "?";
    private long lastHeard;

    public SilencePolicy(Duration threshold) {
        if (threshold.isNegative() || threshold.isZero()) {
            throw new IllegalArgumentException("silence threshold must be positive: " + threshold);
        }
        this.thresholdNanos = threshold.toNanos();
    }

    @Override
    public boolean needsKeepalivesWhileIdle() {
        return true; // idle silence is what it judges
    }

    @Override
    public String name() {
        return "silence";
    }

    @Override
    public synchronized void onNewHolder(String server, long nanoTime) {
        this.server = server;
        lastHeard = nanoTime;
    }

    @Override
    public synchronized void onHolderHeard(long nanoTime) {
        lastHeard = Math.max(lastHeard, nanoTime);
    }

    @Override
    public synchronized Optional<String> evaluate(long nanoTime) {
        long silent = nanoTime - lastHeard;
        if (silent > thresholdNanos) {
            return Optional.of("silence: nothing from " + server + " for " + silent / 1_000_000
                    + " ms (threshold " + thresholdNanos / 1_000_000 + " ms)");
        }
        return Optional.empty();
    }
}
