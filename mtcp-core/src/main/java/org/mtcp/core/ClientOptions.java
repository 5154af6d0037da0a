package org.mtcp.core;

import java.time.Duration;
import java.util.List;
import org.mtcp.core.policy.MigrationPolicy;

/**
 * Client settings. Policies are factories because each connection needs its own policy state.
 *
 * @param policies migration policies, each created once per connection
 * @param connectTimeout TCP connect plus HELLO/WELCOME to one server
 * @param keepaliveInterval how often to send a keepalive when idle (RTT samples, failure detection)
 * @param maxUnacknowledgedBytes bytes sent but not yet acknowledged; writers block beyond this
 * @param maxFrameSize largest DATA frame accepted
 */
public record ClientOptions(
        List<java.util.function.Supplier<MigrationPolicy>> policies,
        Duration connectTimeout,
        Duration keepaliveInterval,
        int maxUnacknowledgedBytes,
        int maxFrameSize) {

    public static ClientOptions defaults() {
        return new ClientOptions(List.of(), Duration.ofSeconds(5), Duration.ofSeconds(1),
                4 << 20, 1 << 20);
    }

    public ClientOptions withPolicies(List<java.util.function.Supplier<MigrationPolicy>> policies) {
        return new ClientOptions(List.copyOf(policies), connectTimeout, keepaliveInterval,
                maxUnacknowledgedBytes, maxFrameSize);
    }
}
