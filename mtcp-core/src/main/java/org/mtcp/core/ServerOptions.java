package org.mtcp.core;

import java.time.Duration;
import java.util.Objects;
import org.mtcp.core.transfer.StateTransfer;

/**
 * Server limits and strategies. Every limit violation is an error on that connection only.
 *
 * @param maxFrameSize largest frame accepted from a client or a peer (DATA payload bytes)
 * @param maxSnapshotSize largest snapshot {@code exportState} accepts
 * @param maxRetainedBytes per connection and direction: inbound log and outbound retention;
 *     writers block when the outbound retention is full (back-pressure)
 * @param maxConnections connections held at once; further handshakes are refused
 * @param handshakeTimeout time a new TCP connection has to complete HELLO (also bounds the
 *     authentication of a control connection)
 * @param keepaliveInterval keepalive cadence; a peer silent for several intervals is dead
 * @param certificateLifetime validity of a migration certificate (refreshed at half-life)
 * @param stateTransfer how a connection's state reaches the next holder (lazy by default)
 * @param orphanTimeout how long a holder keeps a connection whose client link broke, waiting for
 *     the client to come back or migrate (then the connection is reset)
 * @param controlTimeout bounds a state fetch from another member (connect, authenticate,
 *     answer); keep it below the clients' connect timeout
 * @param missedKeepalives a client link silent for this many keepalive intervals is dead
 */
public record ServerOptions(
        int maxFrameSize,
        int maxSnapshotSize,
        int maxRetainedBytes,
        int maxConnections,
        Duration handshakeTimeout,
        Duration keepaliveInterval,
        Duration certificateLifetime,
        StateTransfer stateTransfer,
        Duration orphanTimeout,
        Duration controlTimeout,
        int missedKeepalives) {

    public ServerOptions {
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(keepaliveInterval, "keepaliveInterval");
        Objects.requireNonNull(certificateLifetime, "certificateLifetime");
        Objects.requireNonNull(stateTransfer, "stateTransfer");
        Objects.requireNonNull(orphanTimeout, "orphanTimeout");
        Objects.requireNonNull(controlTimeout, "controlTimeout");
        positive(maxFrameSize >= 1024, "maxFrameSize must be at least 1024: " + maxFrameSize);
        positive(maxSnapshotSize >= 0, "maxSnapshotSize " + maxSnapshotSize);
        positive(maxRetainedBytes >= 1024, "maxRetainedBytes must be at least 1024: " + maxRetainedBytes);
        positive(maxConnections >= 1, "maxConnections " + maxConnections);
        positive(missedKeepalives >= 1, "missedKeepalives " + missedKeepalives);
        for (Duration d : new Duration[] {handshakeTimeout, keepaliveInterval, certificateLifetime,
                orphanTimeout, controlTimeout}) {
            positive(!d.isNegative() && !d.isZero(), "durations must be positive: " + d);
        }
    }

    /** The original eight-component form; the rest take their defaults. */
    public ServerOptions(int maxFrameSize, int maxSnapshotSize, int maxRetainedBytes,
            int maxConnections, Duration handshakeTimeout, Duration keepaliveInterval,
            Duration certificateLifetime, StateTransfer stateTransfer) {
        this(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, Duration.ofSeconds(60),
                Duration.ofSeconds(3), 4);
    }

    private static void positive(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static ServerOptions defaults() {
        return new ServerOptions(1 << 20, 1 << 20, 8 << 20, 10_000, Duration.ofSeconds(5),
                Duration.ofSeconds(1), Duration.ofMinutes(10), StateTransfer.lazy());
    }

    public ServerOptions withMaxFrameSize(int v) {
        return new ServerOptions(v, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives);
    }

    public ServerOptions withMaxSnapshotSize(int v) {
        return new ServerOptions(maxFrameSize, v, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives);
    }

    public ServerOptions withMaxRetainedBytes(int v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, v, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives);
    }

    public ServerOptions withMaxConnections(int v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, v, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives);
    }

    public ServerOptions withHandshakeTimeout(Duration v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, v,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives);
    }

    public ServerOptions withKeepaliveInterval(Duration v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                v, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives);
    }

    public ServerOptions withCertificateLifetime(Duration v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, v, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives);
    }

    public ServerOptions withStateTransfer(StateTransfer v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, v, orphanTimeout, controlTimeout, missedKeepalives);
    }

    public ServerOptions withOrphanTimeout(Duration v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, v, controlTimeout, missedKeepalives);
    }

    public ServerOptions withControlTimeout(Duration v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, v, missedKeepalives);
    }

    public ServerOptions withMissedKeepalives(int v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, v);
    }
}
