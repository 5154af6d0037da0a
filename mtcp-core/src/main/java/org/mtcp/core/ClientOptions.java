package org.mtcp.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.mtcp.core.policy.MigrationPolicy;

/**
 * Client settings. Policies are factories because each connection needs its own policy state.
 *
 * @param policies migration policies, each created once per connection
 * @param connectTimeout TCP connect plus HELLO/WELCOME to one server (a migration attempt)
 * @param keepaliveInterval how often to send a keepalive (RTT samples, failure detection)
 * @param maxUnacknowledgedBytes bytes sent but not yet acknowledged; writers block beyond this
 * @param maxFrameSize largest DATA frame accepted
 * @param receiveBufferSize bytes received but not yet read by the application; the holder may
 *     not send beyond this (flow control)
 * @param missedKeepalives the holder is considered failed when nothing arrived from it for this
 *     many keepalive intervals
 * @param failover migrate when the holder fails (reset, EOF without CLOSE, missed keepalives);
 *     on by default. Equivalent to adding {@link org.mtcp.core.policy.HolderFailurePolicy}.
 *     Without it a holder failure fails the connection.
 * @param migrationCooldown least time between two policy-triggered migrations, and the first
 *     step of their exponential back-off (explicit, server-requested and failover migrations are
 *     not delayed)
 * @param migrationLimits bounds on policy-triggered migrations without progress (no migration
 *     storms): {@link MigrationLimits#DEFAULTS} unless given
 */
public record ClientOptions(
        List<Supplier<MigrationPolicy>> policies,
        Duration connectTimeout,
        Duration keepaliveInterval,
        int maxUnacknowledgedBytes,
        int maxFrameSize,
        int receiveBufferSize,
        int missedKeepalives,
        boolean failover,
        Duration migrationCooldown,
        MigrationLimits migrationLimits) {

    public ClientOptions {
        policies = List.copyOf(policies);
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(keepaliveInterval, "keepaliveInterval");
        Objects.requireNonNull(migrationCooldown, "migrationCooldown");
        Objects.requireNonNull(migrationLimits, "migrationLimits");
        check(!connectTimeout.isNegative() && !connectTimeout.isZero(), "connectTimeout " + connectTimeout);
        check(!keepaliveInterval.isNegative() && !keepaliveInterval.isZero(), "keepaliveInterval " + keepaliveInterval);
        check(!migrationCooldown.isNegative(), "migrationCooldown " + migrationCooldown);
        check(maxUnacknowledgedBytes >= 1, "maxUnacknowledgedBytes " + maxUnacknowledgedBytes);
        check(maxFrameSize >= 1024, "maxFrameSize must be at least 1024: " + maxFrameSize);
        check(receiveBufferSize >= 1, "receiveBufferSize " + receiveBufferSize);
        check(missedKeepalives >= 1, "missedKeepalives " + missedKeepalives);
    }

    /** The original five-component form; the rest take their defaults. */
    public ClientOptions(List<Supplier<MigrationPolicy>> policies, Duration connectTimeout,
            Duration keepaliveInterval, int maxUnacknowledgedBytes, int maxFrameSize) {
        this(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes, maxFrameSize,
                1 << 20, 4, true, Duration.ofMillis(500), MigrationLimits.DEFAULTS);
    }

    /** The nine-component form of earlier versions; the migration limits take their defaults. */
    public ClientOptions(List<Supplier<MigrationPolicy>> policies, Duration connectTimeout,
            Duration keepaliveInterval, int maxUnacknowledgedBytes, int maxFrameSize, int receiveBufferSize,
            int missedKeepalives, boolean failover, Duration migrationCooldown) {
        this(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes, maxFrameSize, receiveBufferSize,
                missedKeepalives, failover, migrationCooldown, MigrationLimits.DEFAULTS);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static ClientOptions defaults() {
        return new ClientOptions(List.of(), Duration.ofSeconds(5), Duration.ofSeconds(1),
                4 << 20, 1 << 20);
    }

    public ClientOptions withPolicies(List<Supplier<MigrationPolicy>> policies) {
        return new ClientOptions(List.copyOf(policies), connectTimeout, keepaliveInterval,
                maxUnacknowledgedBytes, maxFrameSize, receiveBufferSize, missedKeepalives, failover,
                migrationCooldown, migrationLimits);
    }

    public ClientOptions withConnectTimeout(Duration v) {
        return new ClientOptions(policies, v, keepaliveInterval, maxUnacknowledgedBytes, maxFrameSize,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits);
    }

    public ClientOptions withKeepaliveInterval(Duration v) {
        return new ClientOptions(policies, connectTimeout, v, maxUnacknowledgedBytes, maxFrameSize,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits);
    }

    public ClientOptions withMaxUnacknowledgedBytes(int v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, v, maxFrameSize,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits);
    }

    public ClientOptions withMaxFrameSize(int v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes, v,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits);
    }

    public ClientOptions withReceiveBufferSize(int v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes,
                maxFrameSize, v, missedKeepalives, failover, migrationCooldown, migrationLimits);
    }

    public ClientOptions withMissedKeepalives(int v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes,
                maxFrameSize, receiveBufferSize, v, failover, migrationCooldown, migrationLimits);
    }

    public ClientOptions withFailover(boolean v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes,
                maxFrameSize, receiveBufferSize, missedKeepalives, v, migrationCooldown, migrationLimits);
    }

    public ClientOptions withMigrationCooldown(Duration v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes,
                maxFrameSize, receiveBufferSize, missedKeepalives, failover, v, migrationLimits);
    }

    public ClientOptions withMigrationLimits(MigrationLimits v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes,
                maxFrameSize, receiveBufferSize, missedKeepalives, failover, migrationCooldown, v);
    }
}
