package org.mtcp.core.policy;

import java.time.Duration;
import java.util.Optional;

/**
 * The paper's database policy (section 6.6): response time measured at the client, from the
 * first byte of a request written to the first byte of response received; migrate as soon as
 * an outstanding request has waited longer than the threshold (no need to wait for the slow
 * answer). A new holder gets the full threshold for the request still outstanding.
 */
public final class ResponseTimePolicy implements MigrationPolicy {

    private final long thresholdNanos;
    private String server = "?";
    private boolean waiting;
    private long since;

    public ResponseTimePolicy(Duration threshold) {
        if (threshold.isNegative() || threshold.isZero()) {
            throw new IllegalArgumentException("response-time threshold must be positive: " + threshold);
        }
        this.thresholdNanos = threshold.toNanos();
    }

    @Override
    public String name() {
        return "response-time";
    }

    @Override
    public synchronized void onBytesSent(int bytes, long nanoTime) {
        if (!waiting) {
            waiting = true;
            since = nanoTime;
        }
    }

    @Override
    public synchronized void onBytesReceived(int bytes, long nanoTime) {
        waiting = false;
    }

    @Override
    public synchronized void onNewHolder(String server, long nanoTime) {
        this.server = server;
        if (waiting) {
            since = nanoTime;
        }
    }

    @Override
    public synchronized Optional<String> evaluate(long nanoTime) {
        if (waiting && nanoTime - since > thresholdNanos) {
            return Optional.of("response-time: no response from " + server + " for "
                    + (nanoTime - since) / 1_000_000 + " ms (threshold " + thresholdNanos / 1_000_000 + " ms)");
        }
        return Optional.empty();
    }
}
