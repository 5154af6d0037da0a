package org.mtcp.frontend.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The paper's artificial load (section 6.6): a delay before each response line, set at run time
 * through the admin endpoint, so that a client's response-time policy moves its batch away.
 */
public final class Slowdown {

    private final AtomicLong delayMillis;

    public Slowdown(AtomicLong delayMillis) {
        this.delayMillis = delayMillis;
    }

    public Slowdown() {
        this(new AtomicLong());
    }

    public long delayMillis() {
        return delayMillis.get();
    }

    public void set(long millis) {
        if (millis < 0 || millis > 600_000) {
            throw new IllegalArgumentException("delayMs must be 0 to 600000");
        }
        delayMillis.set(millis);
    }

    /** Waits the current delay (called before each response line). */
    public void pause() throws java.io.InterruptedIOException {
        long d = delayMillis.get();
        if (d > 0) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted during the slow-down delay");
            }
        }
    }
}
