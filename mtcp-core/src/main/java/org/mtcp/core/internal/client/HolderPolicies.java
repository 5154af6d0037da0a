package org.mtcp.core.internal.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.policy.HolderFailurePolicy;
import org.mtcp.core.policy.MigrationPolicy;
import org.mtcp.core.policy.ResponseSignal;

/**
 * A connection's migration policies and what they hear of the holder: bytes each way, round
 * trips, response signals, a new holder. Called without the connection's lock (the policies keep
 * their own state; the supervisor evaluates them on its thread too).
 */
final class HolderPolicies {

    private final List<MigrationPolicy> policies;

    /** One policy of each factory; failover adds a {@link HolderFailurePolicy} when none is given. */
    HolderPolicies(ClientOptions options) {
        List<MigrationPolicy> ps = new ArrayList<>();
        for (Supplier<MigrationPolicy> s : options.policies()) {
            ps.add(Objects.requireNonNull(s.get(), "policy factory returned null"));
        }
        if (options.failover() && ps.stream().noneMatch(p -> p instanceof HolderFailurePolicy)) {
            ps.add(0, new HolderFailurePolicy());
        }
        this.policies = List.copyOf(ps);
    }

    List<MigrationPolicy> all() {
        return policies;
    }

    /** A policy watches idle silence: the holder must speak every base interval. */
    boolean needKeepalivesWhileIdle() {
        return policies.stream().anyMatch(MigrationPolicy::needsKeepalivesWhileIdle);
    }

    void newHolder(String server, long now) {
        for (MigrationPolicy p : policies) {
            p.onNewHolder(server, now);
        }
    }

    void bytesSent(int total, long now) {
        for (MigrationPolicy p : policies) {
            p.onBytesSent(total, now);
        }
    }

    void responseSignal(ResponseSignal signal, long now) {
        for (MigrationPolicy p : policies) {
            p.onResponseSignal(signal, now);
        }
    }

    /**
     * The holder spoke ({@code newBytes} new bytes, a round-trip sample when {@code rttSample} >= 0);
     * true when a policy asks to migrate.
     */
    boolean heard(long now, int newBytes, long rttSample) {
        boolean migrate = false;
        for (MigrationPolicy p : policies) {
            p.onHolderHeard(now);
            if (newBytes > 0) {
                p.onBytesReceived(newBytes, now);
            }
            if (rttSample >= 0) {
                p.onRoundTrip(rttSample, now);
            }
        }
        if (newBytes > 0 || rttSample >= 0) {
            for (MigrationPolicy p : policies) {
                migrate |= p.evaluate(now).isPresent();
            }
        }
        return migrate;
    }
}
