package org.mtcp.core.policy;

import java.time.Duration;
import java.util.Optional;

/**
 * The paper's database policy (section 6.6): response time measured at the client; migrate as
 * soon as an outstanding request has waited longer than the threshold (no need to wait for the
 * slow answer). A new holder gets the full threshold for the request still outstanding.
 *
 * <p>What "waited" means depends on what the policy is told:
 * <ul>
 * <li>By default the policy sees byte counts only, so it times a request from its first byte
 *     written to the first byte of response received: a response that has begun is not timed.
 * <li>Once an application-aware observer signals {@link ResponseSignal#FRAMED} (the client-side
 *     proxy does so for the HTTP it relays), the client is waiting from the <em>end</em> of a
 *     request ({@link ResponseSignal#REQUEST_SENT}: a client still sending its request, however
 *     slowly, is not the server's delay) until its response is
 *     {@link ResponseSignal#COMPLETE complete}, and the holder must deliver a
 *     byte at least every threshold meanwhile: a front-end slowed down in the middle of a
 *     streamed response loses the connection too. An idle connection (no response outstanding,
 *     e.g. HTTP keep-alive) is never moved. {@link ResponseSignal#LOST} returns the policy to the
 *     first-byte rule.
 * </ul>
 * One instance per connection, like every policy; thread-safe.
 */
public final class ResponseTimePolicy implements MigrationPolicy {

    private final long thresholdNanos;
    private String server = "?";
    private boolean framed;
    private boolean waiting;
    private long since;
    /** While framed: requests sent whole, and final responses complete (a response may end before its request). */
    private long requestsSent;
    private long responsesComplete;

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
        if (!framed && !waiting) {
            waiting = true;
            since = nanoTime;
        }
    }

    @Override
    public synchronized void onBytesReceived(int bytes, long nanoTime) {
        if (!framed) {
            waiting = false;
        } else if (waiting) {
            since = nanoTime;
        }
    }

    @Override
    public synchronized void onResponseSignal(ResponseSignal signal, long nanoTime) {
        switch (signal) {
            case FRAMED -> {
                framed = true;
                waiting = false;
                requestsSent = 0;
                responsesComplete = 0;
            }
            case REQUEST_SENT -> {
                if (framed) {
                    requestsSent++;
                    awaitOutstanding(nanoTime);
                }
            }
            case COMPLETE -> {
                if (framed) {
                    responsesComplete++;
                    waiting = false;
                    awaitOutstanding(nanoTime); // pipelined: the next response is due from now
                } else {
                    waiting = false;
                }
            }
            case LOST -> {
                framed = false;
                waiting = false;
            }
        }
    }

    /** Waiting from {@code nanoTime} if a request sent whole has no complete response yet. */
    private void awaitOutstanding(long nanoTime) {
        if (!waiting && requestsSent > responsesComplete) {
            waiting = true;
            since = nanoTime;
        }
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
            String what = framed ? "nothing from " + server + " for " + (nanoTime - since) / 1_000_000
                    + " ms of a response not complete yet"
                    : "no response from " + server + " for " + (nanoTime - since) / 1_000_000 + " ms";
            return Optional.of("response-time: " + what + " (threshold " + thresholdNanos / 1_000_000 + " ms)");
        }
        return Optional.empty();
    }

    @Override
    public synchronized String toString() {
        return "response-time(" + thresholdNanos / 1_000_000 + " ms" + (framed ? ", framed" : "") + ")";
    }
}
