package org.mtcp.core.internal.client;

/**
 * When the client pings its holder, and when the holder counts as silent (docs/protocol.md,
 * section 6 "Keepalive"). Pure bookkeeping over {@link System#nanoTime()} values passed in; not
 * thread-safe: guarded by the connection's lock.
 *
 * <ul>
 * <li>{@link Mode#ACTIVE}: data flowed since the last PING, or a request awaits its response:
 *     PINGs every base interval.
 * <li>{@link Mode#IDLE}: nothing flowed since the last PING: each PING doubles the interval, up
 *     to the idle maximum, so an idle connection costs a PING every {@code maxIdle}, not every
 *     base interval. Data (either way) or a pending request returns it to the base interval at
 *     once.
 * </ul>
 *
 * Silence: the holder answers every PING (PONG) and acknowledges every DATA (ACK) on receipt, so
 * from the first PING or DATA sent after the last frame heard ({@link #awaitingSince}), nothing
 * heard for {@code missed} base intervals means the holder or the path is gone. The bound does not
 * depend on the back-off: while a request or response is in progress a PING goes out at least
 * every base interval, so a silent holder is detected within {@code (missed + 1) x base}; an idle
 * one within its current interval plus {@code missed x base}.
 */
final class KeepaliveSchedule {

    enum Mode { ACTIVE, IDLE }

    private final long baseNanos;
    private final long maxIdleNanos;
    private final long silenceNanos;

    private Mode mode = Mode.ACTIVE;
    private long intervalNanos;
    private long lastPingNanos;
    private boolean pinged;
    private boolean flowedSincePing;
    private boolean requestPending;
    private long awaitingSince = -1;

    KeepaliveSchedule(long baseNanos, long maxIdleNanos, int missed) {
        this.baseNanos = baseNanos;
        this.maxIdleNanos = Math.max(baseNanos, maxIdleNanos);
        this.silenceNanos = baseNanos * missed;
        this.intervalNanos = baseNanos;
    }

    /** A new link: it starts active, with nothing outstanding. */
    void restart(long now) {
        mode = Mode.ACTIVE;
        intervalNanos = baseNanos;
        lastPingNanos = now;
        pinged = false;
        awaitingSince = -1;
    }

    Mode mode() {
        return mode;
    }

    long intervalNanos() {
        return intervalNanos;
    }

    boolean pingDue(long now) {
        return !pinged || now - lastPingNanos >= intervalNanos;
    }

    /** A PING goes out now; the next one is a base interval away if anything flowed, else twice as far. */
    void pingSent(long now) {
        if (flowedSincePing || requestPending || awaitingSince >= 0) {
            mode = Mode.ACTIVE;
            intervalNanos = baseNanos;
        } else {
            mode = Mode.IDLE;
            intervalNanos = pinged ? Math.min(maxIdleNanos, 2 * intervalNanos) : baseNanos;
        }
        pinged = true;
        flowedSincePing = false;
        lastPingNanos = now;
        expectAnswer(now);
    }

    /** DATA went out: the holder acknowledges it on receipt. */
    void dataSent(long now) {
        flowed();
        expectAnswer(now);
    }

    /** New payload arrived. */
    void dataReceived() {
        flowed();
    }

    /** Any frame arrived from the holder: it is alive. */
    void heard() {
        awaitingSince = -1;
    }

    /** A request waits for (the rest of) its response: keep the base interval meanwhile. */
    void requestPending(boolean pending) {
        requestPending = pending;
        if (pending) {
            flowed();
        }
    }

    boolean isRequestPending() {
        return requestPending;
    }

    /** True when the holder has been silent for the bound since it owed an answer. */
    boolean silent(long now) {
        return awaitingSince >= 0 && now - awaitingSince >= silenceNanos;
    }

    long silenceMillis() {
        return silenceNanos / 1_000_000;
    }

    /** Nanoseconds until the next PING or silence deadline (at least 1). */
    long nanosToNextEvent(long now) {
        long next = pinged ? lastPingNanos + intervalNanos : now;
        if (awaitingSince >= 0) {
            next = Math.min(next, awaitingSince + silenceNanos);
        }
        return Math.max(1, next - now);
    }

    private void flowed() {
        flowedSincePing = true;
        if (mode == Mode.IDLE) {
            mode = Mode.ACTIVE;
            intervalNanos = baseNanos; // the next PING is due a base interval after the last one
        }
    }

    private void expectAnswer(long now) {
        if (awaitingSince < 0) {
            awaitingSince = now;
        }
    }
}
