package org.mtcp.testkit.pg;

import java.time.Duration;

/**
 * Waits for a condition instead of sleeping and hoping: polls it (1 ms at first, backing off to
 * 20 ms) until it holds, and fails with a message naming it when it does not in time.
 */
public final class Await {

    /** A condition that may query a database. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    private Await() {
    }

    /**
     * Returns as soon as {@code condition} holds.
     *
     * @throws AssertionError when it did not hold within {@code timeout}
     */
    public static void until(Duration timeout, String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMillis = 1;
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what);
            }
            Thread.sleep(pauseMillis);
            pauseMillis = Math.min(20, pauseMillis * 2);
        }
    }
}
