package org.mtcp.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on policy-triggered migrations of one connection, so that a connection that moves and
 * finds the new server no better stops moving (no migration storm when every server is slow for
 * the same reason, e.g. their database is down). Explicit, server-requested and failover
 * migrations are not counted nor delayed.
 *
 * <p>A policy migration counts until the connection makes progress: new bytes from the holder,
 * or a response complete ({@link org.mtcp.core.policy.ResponseSignal#COMPLETE}, from an observer
 * that follows the requests, such as the proxy for HTTP). At most {@code maxWithoutProgress}
 * count at once: then the connection stays where it is until it makes progress or {@code window}
 * has passed since the first of them (for streams no observer delimits). Between two policy
 * migrations the client waits {@link ClientOptions#migrationCooldown()} doubled for every one
 * counted (exponential back-off), at most {@code maxBackoff}.
 *
 * @param maxWithoutProgress policy migrations without progress, per request or window (default 3)
 * @param maxBackoff upper bound of the wait between two policy migrations (default 30 s)
 * @param window the count starts afresh this long after its first migration (default 60 s)
 */
public record MigrationLimits(int maxWithoutProgress, Duration maxBackoff, Duration window) {

    public static final MigrationLimits DEFAULTS = new MigrationLimits(3, Duration.ofSeconds(30), Duration.ofSeconds(60));

    public MigrationLimits {
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(window, "window");
        if (maxWithoutProgress < 1) {
            throw new IllegalArgumentException("maxWithoutProgress must be positive: " + maxWithoutProgress);
        }
        if (maxBackoff.isNegative()) {
            throw new IllegalArgumentException("maxBackoff must not be negative: " + maxBackoff);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
    }

    public MigrationLimits withMaxWithoutProgress(int v) {
        return new MigrationLimits(v, maxBackoff, window);
    }

    public MigrationLimits withMaxBackoff(Duration v) {
        return new MigrationLimits(maxWithoutProgress, v, window);
    }

    public MigrationLimits withWindow(Duration v) {
        return new MigrationLimits(maxWithoutProgress, maxBackoff, v);
    }
}
