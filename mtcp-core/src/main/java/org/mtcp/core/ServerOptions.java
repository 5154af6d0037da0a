package org.mtcp.core;

import java.time.Duration;
import org.mtcp.core.transfer.StateTransfer;

/**
 * Server limits and strategies. Every limit violation is an error on that connection only.
 *
 * @param maxFrameSize largest frame accepted from a client or a peer
 * @param maxSnapshotSize largest snapshot {@code exportState} accepts
 * @param maxRetainedBytes per connection and direction: inbound log and outbound retention;
 *     writers block when the outbound retention is full (back-pressure)
 * @param maxConnections connections held at once; further handshakes are refused
 * @param handshakeTimeout time a new TCP connection has to complete HELLO
 * @param keepaliveInterval keepalive cadence; a peer silent for several intervals is dead
 * @param certificateLifetime validity of a migration certificate
 * @param stateTransfer how a connection's state reaches the next holder (lazy by default)
 */
public record ServerOptions(
        int maxFrameSize,
        int maxSnapshotSize,
        int maxRetainedBytes,
        int maxConnections,
        Duration handshakeTimeout,
        Duration keepaliveInterval,
        Duration certificateLifetime,
        StateTransfer stateTransfer) {

    public static ServerOptions defaults() {
        return new ServerOptions(1 << 20, 1 << 20, 8 << 20, 10_000, Duration.ofSeconds(5),
                Duration.ofSeconds(1), Duration.ofMinutes(10), StateTransfer.lazy());
    }
}
