package org.mtcp.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.mtcp.core.policy.MigrationPolicy;
import org.mtcp.core.tls.TlsConfig;

/**
 * Client settings. Policies are factories because each connection needs its own policy state.
 *
 * @param policies migration policies, each created once per connection
 * @param connectTimeout TCP connect, the TLS handshake (with TLS) and HELLO/WELCOME to one server
 *     (a migration attempt)
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
 * @param maxIdleKeepaliveInterval while nothing flows, the keepalive interval doubles after
 *     each keepalive up to this (30 s by default); data or a pending request returns it to
 *     {@code keepaliveInterval} at once. Sent to the server in HELLO (its silence bound for an
 *     idle client). Equal to {@code keepaliveInterval}: no back-off
 * @param standby keep one authenticated, idle link open to the server the next migration would
 *     go to (renewed when the holder or the pool changes, kept alive at the idle keepalive
 *     interval), so that a migration costs no TCP handshake: off by default (docs/protocol.md,
 *     "Standby link"). It costs each connection one more TCP connection and a virtual thread.
 * @param tls TLS 1.3 on every link to the pool (the trust anchors the servers' certificates must
 *     chain to, and optionally the client's own identity), or null for plaintext links
 * @param plaintext true when plaintext was chosen explicitly ({@link #withPlaintext()}); with
 *     neither this nor {@code tls} the links are plaintext, as before TLS existed
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
        MigrationLimits migrationLimits,
        Duration maxIdleKeepaliveInterval,
        boolean standby,
        TlsConfig tls,
        boolean plaintext) {

    public ClientOptions {
        policies = List.copyOf(policies);
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(keepaliveInterval, "keepaliveInterval");
        Objects.requireNonNull(migrationCooldown, "migrationCooldown");
        Objects.requireNonNull(migrationLimits, "migrationLimits");
        Objects.requireNonNull(maxIdleKeepaliveInterval, "maxIdleKeepaliveInterval");
        check(!connectTimeout.isNegative() && !connectTimeout.isZero(), "connectTimeout " + connectTimeout);
        check(!keepaliveInterval.isNegative() && !keepaliveInterval.isZero(), "keepaliveInterval " + keepaliveInterval);
        check(!migrationCooldown.isNegative(), "migrationCooldown " + migrationCooldown);
        check(maxUnacknowledgedBytes >= 1, "maxUnacknowledgedBytes " + maxUnacknowledgedBytes);
        check(maxFrameSize >= 1024, "maxFrameSize must be at least 1024: " + maxFrameSize);
        check(receiveBufferSize >= 1, "receiveBufferSize " + receiveBufferSize);
        check(missedKeepalives >= 1, "missedKeepalives " + missedKeepalives);
        check(maxIdleKeepaliveInterval.compareTo(keepaliveInterval) >= 0,
                "maxIdleKeepaliveInterval " + maxIdleKeepaliveInterval + " is below keepaliveInterval " + keepaliveInterval);
        check(tls == null || !plaintext, "both TLS and plaintext chosen");
    }

    /** The twelve-component form of before TLS: plaintext links, not chosen explicitly. */
    public ClientOptions(List<Supplier<MigrationPolicy>> policies, Duration connectTimeout, Duration keepaliveInterval,
            int maxUnacknowledgedBytes, int maxFrameSize, int receiveBufferSize, int missedKeepalives, boolean failover,
            Duration migrationCooldown, MigrationLimits migrationLimits, Duration maxIdleKeepaliveInterval,
            boolean standby) {
        this(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes, maxFrameSize, receiveBufferSize,
                missedKeepalives, failover, migrationCooldown, migrationLimits, maxIdleKeepaliveInterval, standby,
                null, false);
    }

    /** The idle keepalive ceiling when none is given. */
    public static final Duration DEFAULT_MAX_IDLE_KEEPALIVE = Duration.ofSeconds(30);

    /** The eleven-component form of before the standby link: none. */
    public ClientOptions(List<Supplier<MigrationPolicy>> policies, Duration connectTimeout, Duration keepaliveInterval,
            int maxUnacknowledgedBytes, int maxFrameSize, int receiveBufferSize, int missedKeepalives, boolean failover,
            Duration migrationCooldown, MigrationLimits migrationLimits, Duration maxIdleKeepaliveInterval) {
        this(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes, maxFrameSize, receiveBufferSize,
                missedKeepalives, failover, migrationCooldown, migrationLimits, maxIdleKeepaliveInterval, false);
    }

    /** The ten-component form of before the idle back-off; the ceiling is 30 s (at least the interval). */
    public ClientOptions(List<Supplier<MigrationPolicy>> policies, Duration connectTimeout, Duration keepaliveInterval,
            int maxUnacknowledgedBytes, int maxFrameSize, int receiveBufferSize, int missedKeepalives, boolean failover,
            Duration migrationCooldown, MigrationLimits migrationLimits) {
        this(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes, maxFrameSize, receiveBufferSize,
                missedKeepalives, failover, migrationCooldown, migrationLimits, idleCeiling(keepaliveInterval));
    }

    private static Duration idleCeiling(Duration keepaliveInterval) {
        return keepaliveInterval == null || keepaliveInterval.compareTo(DEFAULT_MAX_IDLE_KEEPALIVE) > 0
                ? keepaliveInterval : DEFAULT_MAX_IDLE_KEEPALIVE;
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
                migrationCooldown, migrationLimits, maxIdleKeepaliveInterval, standby, tls, plaintext);
    }

    public ClientOptions withConnectTimeout(Duration v) {
        return new ClientOptions(policies, v, keepaliveInterval, maxUnacknowledgedBytes, maxFrameSize,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits, maxIdleKeepaliveInterval, standby, tls, plaintext);
    }

    /** The base keepalive interval; the idle ceiling stays, raised to {@code v} if below it. */
    public ClientOptions withKeepaliveInterval(Duration v) {
        return new ClientOptions(policies, connectTimeout, v, maxUnacknowledgedBytes, maxFrameSize,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits,
                v != null && maxIdleKeepaliveInterval.compareTo(v) < 0 ? v : maxIdleKeepaliveInterval, standby, tls, plaintext);
    }

    public ClientOptions withMaxUnacknowledgedBytes(int v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, v, maxFrameSize,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits, maxIdleKeepaliveInterval, standby, tls, plaintext);
    }

    public ClientOptions withMaxFrameSize(int v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes, v,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits, maxIdleKeepaliveInterval, standby, tls, plaintext);
    }

    public ClientOptions withReceiveBufferSize(int v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes,
                maxFrameSize, v, missedKeepalives, failover, migrationCooldown, migrationLimits, maxIdleKeepaliveInterval, standby, tls, plaintext);
    }

    public ClientOptions withMissedKeepalives(int v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes,
                maxFrameSize, receiveBufferSize, v, failover, migrationCooldown, migrationLimits, maxIdleKeepaliveInterval, standby, tls, plaintext);
    }

    public ClientOptions withFailover(boolean v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes,
                maxFrameSize, receiveBufferSize, missedKeepalives, v, migrationCooldown, migrationLimits, maxIdleKeepaliveInterval, standby, tls, plaintext);
    }

    public ClientOptions withMigrationCooldown(Duration v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes,
                maxFrameSize, receiveBufferSize, missedKeepalives, failover, v, migrationLimits, maxIdleKeepaliveInterval, standby, tls, plaintext);
    }

    public ClientOptions withMigrationLimits(MigrationLimits v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes,
                maxFrameSize, receiveBufferSize, missedKeepalives, failover, migrationCooldown, v, maxIdleKeepaliveInterval, standby, tls, plaintext);
    }

    /** Keepalive interval and idle ceiling together (the ceiling is at least the interval). */
    public ClientOptions withKeepaliveInterval(Duration v, Duration maxIdle) {
        return new ClientOptions(policies, connectTimeout, v, maxUnacknowledgedBytes, maxFrameSize,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits, maxIdle, standby, tls, plaintext);
    }

    public ClientOptions withMaxIdleKeepaliveInterval(Duration v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes, maxFrameSize,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits, v, standby, tls, plaintext);
    }

    /** Whether to keep a standby link to the next migration target (see {@link #standby()}). */
    public ClientOptions withStandby(boolean v) {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes, maxFrameSize,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits,
                maxIdleKeepaliveInterval, v, tls, plaintext);
    }

    /**
     * TLS 1.3 on every link to the pool: {@code v}'s trust anchors must issue the servers'
     * certificates, which must name the host the client dials (hostname verification).
     */
    public ClientOptions withTls(TlsConfig v) {
        Objects.requireNonNull(v, "tls");
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes, maxFrameSize,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits,
                maxIdleKeepaliveInterval, standby, v, false);
    }

    /** Plaintext links, chosen explicitly. */
    public ClientOptions withPlaintext() {
        return new ClientOptions(policies, connectTimeout, keepaliveInterval, maxUnacknowledgedBytes, maxFrameSize,
                receiveBufferSize, missedKeepalives, failover, migrationCooldown, migrationLimits,
                maxIdleKeepaliveInterval, standby, null, true);
    }

    /** Whether links to the pool are TLS. */
    public boolean usesTls() {
        return tls != null;
    }
}
