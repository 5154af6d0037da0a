package org.mtcp.core;

import java.time.Duration;
import java.util.Objects;
import org.mtcp.core.tls.TlsConfig;
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
 * @param tls the server's TLS (its identity and the pool's trust anchors) for the service port
 *     and for the control plane in both directions (mutual TLS), or null for plaintext links
 * @param plaintext true when plaintext was chosen explicitly ({@link #withPlaintext()}); with
 *     neither this nor {@code tls} the links are plaintext too, as before TLS existed, and the
 *     server says at start-up that nobody chose (docs/protocol.md, section 2a)
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
        int missedKeepalives,
        TlsConfig tls,
        boolean plaintext) {

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
        if (tls != null && plaintext) {
            throw new IllegalArgumentException("both TLS and plaintext chosen");
        }
        if (tls != null && !tls.hasIdentity()) {
            throw new IllegalArgumentException("a server's TLS configuration needs its identity (a key and certificate)");
        }
    }

    /** The eleven-component form of before TLS: links as {@link #defaults()} has them (plaintext, not chosen). */
    public ServerOptions(int maxFrameSize, int maxSnapshotSize, int maxRetainedBytes, int maxConnections,
            Duration handshakeTimeout, Duration keepaliveInterval, Duration certificateLifetime,
            StateTransfer stateTransfer, Duration orphanTimeout, Duration controlTimeout, int missedKeepalives) {
        this(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout, keepaliveInterval,
                certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives, null, false);
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
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives, tls, plaintext);
    }

    public ServerOptions withMaxSnapshotSize(int v) {
        return new ServerOptions(maxFrameSize, v, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives, tls, plaintext);
    }

    public ServerOptions withMaxRetainedBytes(int v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, v, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives, tls, plaintext);
    }

    public ServerOptions withMaxConnections(int v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, v, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives, tls, plaintext);
    }

    public ServerOptions withHandshakeTimeout(Duration v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, v,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives, tls, plaintext);
    }

    public ServerOptions withKeepaliveInterval(Duration v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                v, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives, tls, plaintext);
    }

    public ServerOptions withCertificateLifetime(Duration v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, v, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives, tls, plaintext);
    }

    public ServerOptions withStateTransfer(StateTransfer v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, v, orphanTimeout, controlTimeout, missedKeepalives, tls, plaintext);
    }

    public ServerOptions withOrphanTimeout(Duration v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, v, controlTimeout, missedKeepalives, tls, plaintext);
    }

    public ServerOptions withControlTimeout(Duration v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, v, missedKeepalives, tls, plaintext);
    }

    public ServerOptions withMissedKeepalives(int v) {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, v, tls, plaintext);
    }

    /**
     * TLS 1.3 on every link of this server: the service port (clients must trust {@code tls}'s
     * anchors' issuer of this server's certificate) and the control plane, both ways, with mutual
     * authentication (a peer's certificate must chain to the anchors and name the member it
     * claims to be).
     */
    public ServerOptions withTls(TlsConfig v) {
        java.util.Objects.requireNonNull(v, "tls");
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives,
                v, false);
    }

    /** Plaintext links, chosen explicitly (a trusted network, tests, benchmarks against TLS). */
    public ServerOptions withPlaintext() {
        return new ServerOptions(maxFrameSize, maxSnapshotSize, maxRetainedBytes, maxConnections, handshakeTimeout,
                keepaliveInterval, certificateLifetime, stateTransfer, orphanTimeout, controlTimeout, missedKeepalives,
                null, true);
    }

    /** Whether this server's links are TLS. */
    public boolean usesTls() {
        return tls != null;
    }

    /** What the start-up line says about the links. */
    public String linkSecurity() {
        return tls != null ? "TLS 1.3 (mutual on the control plane)"
                : plaintext ? "PLAINTEXT (chosen explicitly)" : "PLAINTEXT (no TLS configured)";
    }
}
