package org.mtcp.webapp.demo;

import java.time.Duration;
import java.util.Optional;
import org.mtcp.core.policy.MigrationPolicy;

/**
 * The paper's response-time policy (section 6.6) for responses that stream: from the moment the
 * client sends a request until its response is <em>complete</em>, the front-end must deliver a
 * byte at least every {@code threshold}; when it does not, the connection migrates, and the new
 * holder gets the full threshold again.
 *
 * <p>mtcp-core's {@link org.mtcp.core.policy.ResponseTimePolicy} measures the time from a request
 * to the <em>first</em> byte of its response: it sees byte counts only, so it cannot know that a
 * response is still incomplete. A batch is one request whose response carries one line per
 * transaction, each line being the outcome the client waits for; a front-end slowed down in the
 * middle of a batch has already sent the first byte. The proxy can see the HTTP framing, so it
 * tells this policy when each response ends ({@link #responseComplete()}, from
 * {@link HttpResponseFraming}). If the framing is lost, {@link #framingLost()} turns the policy
 * into the core one (waiting ends at the first byte).
 *
 * <p>One instance per connection, like every policy; thread-safe.
 */
final class StreamingResponseTimePolicy implements MigrationPolicy {

    private final long thresholdNanos;
    private String server = "?";
    private boolean waiting;
    private long since;
    private boolean framingLost;

    StreamingResponseTimePolicy(Duration threshold) {
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
        if (framingLost) {
            waiting = false;
        } else if (waiting) {
            since = nanoTime;
        }
    }

    /** The proxy saw the end of a response: the client waits for nothing more on this connection. */
    synchronized void responseComplete() {
        waiting = false;
    }

    /** The proxy cannot delimit the responses any more: behave as the first-byte policy. */
    synchronized void framingLost() {
        framingLost = true;
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
            return Optional.of("response-time: nothing from " + server + " for " + (nanoTime - since) / 1_000_000
                    + " ms of a response not complete yet (threshold " + thresholdNanos / 1_000_000 + " ms)");
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "response-time(" + thresholdNanos / 1_000_000 + " ms, streaming)";
    }
}
