package org.mtcp.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import jdk.jfr.consumer.RecordingStream;

/**
 * Counts certificate chain validations in this JVM (the JFR event {@code jdk.X509Validation}, one
 * per certificate of each validated chain, sharing a validation counter): a full TLS handshake
 * validates the peer's chain, a resumed one does not. So the validations in a time window tell
 * how many of its handshakes were full. When JFR cannot stream in this JVM, nothing is counted
 * and {@link #available()} is false.
 */
public final class HandshakeCounter implements AutoCloseable {

    private static final String EVENT = "jdk.X509Validation";

    private record Validation(Instant at, long counter) {}

    private final RecordingStream stream;
    private final List<Validation> seen = new ArrayList<>();

    private HandshakeCounter(RecordingStream stream) {
        this.stream = stream;
    }

    public static HandshakeCounter start() {
        try {
            RecordingStream rs = new RecordingStream();
            HandshakeCounter c = new HandshakeCounter(rs);
            rs.enable(EVENT);
            rs.onEvent(EVENT, e -> c.add(new Validation(e.getStartTime(), e.getLong("validationCounter"))));
            rs.startAsync();
            return c;
        } catch (RuntimeException | Error e) {
            return new HandshakeCounter(null); // no JFR in this runtime: the counts say unavailable
        }
    }

    /**
     * A counter that records nothing ({@link #available()} false): for runs without TLS, which
     * must not pay for a JFR recording (a recording stream costs a loopback migration tens of
     * microseconds).
     */
    public static HandshakeCounter none() {
        return new HandshakeCounter(null);
    }

    public boolean available() {
        return stream != null;
    }

    private synchronized void add(Validation v) {
        seen.add(v);
    }

    /**
     * Stops recording and waits until every event recorded so far was delivered; call before
     * {@link #between}.
     */
    public void finish() {
        if (stream != null) {
            stream.stop();
        }
    }

    /** Chain validations (distinct counters) whose event started in [{@code from}, {@code to}]. */
    public synchronized int between(Instant from, Instant to) {
        Set<Long> counters = new HashSet<>();
        for (Validation v : seen) {
            if (!v.at().isBefore(from) && !v.at().isAfter(to)) {
                counters.add(v.counter());
            }
        }
        return counters.size();
    }

    @Override
    public void close() {
        if (stream != null) {
            stream.close();
        }
    }
}
