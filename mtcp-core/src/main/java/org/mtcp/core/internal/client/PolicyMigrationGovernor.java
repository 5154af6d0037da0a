package org.mtcp.core.internal.client;

import java.time.Duration;
import org.mtcp.core.MigrationLimits;

/**
 * Whether a migration a policy asks for may happen now (one per connection; see
 * {@link MigrationLimits}): a count of policy migrations since the connection last made
 * progress, an exponential back-off between them, and a window after which the count starts
 * afresh. Not thread-safe: the connection's supervisor and its callbacks call it under one lock.
 */
final class PolicyMigrationGovernor {

    /** What the governor says to a policy that asks to migrate now. */
    enum State {
        /** The migration may happen. */
        READY,
        /** Too soon after the previous policy migration: ask again later. */
        BACKING_OFF,
        /** As many policy migrations without progress as allowed: stay until progress or the window ends. */
        EXHAUSTED
    }

    private final long initialBackoffNanos;
    private final long maxBackoffNanos;
    private final long windowNanos;
    private final int max;
    /** Policy migrations since the last progress (or the start of the window). */
    private int count;
    private long windowStart;
    private long lastMigration;
    private boolean migratedOnce;

    PolicyMigrationGovernor(Duration initialBackoff, MigrationLimits limits) {
        this.initialBackoffNanos = initialBackoff.toNanos();
        this.maxBackoffNanos = Math.max(initialBackoffNanos, limits.maxBackoff().toNanos());
        this.windowNanos = limits.window().toNanos();
        this.max = limits.maxWithoutProgress();
    }

    State state(long now) {
        if (count > 0 && now - windowStart >= windowNanos) {
            count = 0;
        }
        if (count >= max) {
            return State.EXHAUSTED;
        }
        if (migratedOnce && now - lastMigration < backoffNanos()) {
            return State.BACKING_OFF;
        }
        return State.READY;
    }

    /** The wait after the last policy migration: the initial back-off doubled per migration counted. */
    long backoffNanos() {
        long wait = initialBackoffNanos;
        for (int i = 0; i < count && wait < maxBackoffNanos; i++) {
            wait *= 2;
        }
        return Math.min(wait, maxBackoffNanos);
    }

    /** A policy migration succeeded at {@code now}. */
    void migrated(long now) {
        if (count == 0) {
            windowStart = now;
        }
        count++;
        lastMigration = now;
        migratedOnce = true;
    }

    /** The connection made progress (new bytes from the holder, a response complete): the count starts afresh. */
    void progressed() {
        count = 0;
    }

    int count() {
        return count;
    }
}
