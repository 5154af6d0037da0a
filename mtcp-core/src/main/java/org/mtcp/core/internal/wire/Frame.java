package org.mtcp.core.internal.wire;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.mtcp.core.ConnectionId;

/**
 * The frames of the service protocol, one record per {@link FrameType}. Records holding byte
 * arrays compare them by content so frames can be compared in tests.
 */
public sealed interface Frame {

    FrameType type();

    /** Whether HELLO opens a new connection or migrates an existing one. */
    enum HelloKind {
        NEW(0), MIGRATE(1), STANDBY(2);

        public final int code;

        HelloKind(int code) {
            this.code = code;
        }
    }

    /**
     * How a migration proof is tied to the link it arrives on (docs/protocol.md, section 3): the
     * TLS 1.3 exporter value of the link's session, or (no exporter: a plaintext link, or a JDK
     * without one) the name of the server it is addressed to.
     */
    enum ProofBinding {
        SERVER_NAME(0), TLS_EXPORTER(1);

        public final int code;

        ProofBinding(int code) {
            this.code = code;
        }

        static ProofBinding of(int code) throws ProtocolException {
            for (ProofBinding b : values()) {
                if (b.code == code) {
                    return b;
                }
            }
            throw new ProtocolException("HELLO proof has unknown binding " + code);
        }
    }

    /**
     * A HELLO{migrate}'s proof (version 5) that its sender holds the key the certificate is bound
     * to: the client's signature over the certificate and the link's {@code binding}.
     */
    record Proof(ProofBinding binding, byte[] signature) {
        public Proof {
            Objects.requireNonNull(binding);
            Objects.requireNonNull(signature);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Proof p && binding == p.binding && Arrays.equals(signature, p.signature);
        }

        @Override
        public int hashCode() {
            return binding.hashCode() * 31 + Arrays.hashCode(signature);
        }

        @Override
        public String toString() {
            return "proof{" + binding + ", " + signature.length + " bytes}";
        }
    }

    /**
     * First frame from the client on every TCP connection.
     *
     * @param next the client's inbound position: the server starts sending from here
     * @param windowEnd the client accepts inbound bytes below this offset
     * @param maxFrameSize largest DATA payload the client accepts
     * @param keepaliveMillis how often the client pings (the server's liveness check uses it)
     * @param id the connection to migrate (null for NEW)
     * @param epoch the epoch the certificate is for (0 for NEW)
     * @param certificate the migration certificate (empty for NEW)
     * @param acked HELLO{migrate} from version 4: the client's outbound acknowledged position (it
     *     freed every byte below it, the last ACK {@code stable} it heard), so a target resuming
     *     from a replica knows whether the client can resend what the replica lacks; -1: not sent
     *     (NEW, STANDBY, versions before 4)
     * @param clientKey HELLO{new} from version 5: the client's public key for this connection
     *     (Ed25519, 32 bytes), which every certificate of the connection is bound to; empty otherwise
     * @param proof HELLO{migrate} from version 5: the proof that the sender holds that key; null
     *     otherwise (and on a version-5 HELLO{migrate} before it is signed for its link)
     */
    record Hello(int version, HelloKind kind, int maxFrameSize, long next, long windowEnd,
            int keepaliveMillis, ConnectionId id, long epoch, byte[] certificate, long acked,
            byte[] clientKey, Proof proof) implements Frame {
        public Hello {
            Objects.requireNonNull(kind);
            certificate = certificate == null ? new byte[0] : certificate;
            clientKey = clientKey == null ? new byte[0] : clientKey;
        }

        /** A HELLO without {@code acked}, key or proof (NEW, STANDBY, versions before 4). */
        public Hello(int version, HelloKind kind, int maxFrameSize, long next, long windowEnd,
                int keepaliveMillis, ConnectionId id, long epoch, byte[] certificate) {
            this(version, kind, maxFrameSize, next, windowEnd, keepaliveMillis, id, epoch, certificate, -1);
        }

        /** A HELLO without key or proof (versions before 5, STANDBY, or a HELLO{migrate} not signed yet). */
        public Hello(int version, HelloKind kind, int maxFrameSize, long next, long windowEnd,
                int keepaliveMillis, ConnectionId id, long epoch, byte[] certificate, long acked) {
            this(version, kind, maxFrameSize, next, windowEnd, keepaliveMillis, id, epoch, certificate, acked,
                    new byte[0], null);
        }

        /** Whether this HELLO carries {@code acked}: HELLO{migrate} from version 4. */
        public static boolean carriesAcked(int version, HelloKind kind) {
            return kind == HelloKind.MIGRATE && version >= Wire.ACKED_IN_HELLO_VERSION;
        }

        /** Whether this HELLO carries the client's key (NEW) or a proof (MIGRATE): version 5 and later. */
        public static boolean carriesBinding(int version, HelloKind kind) {
            return kind != HelloKind.STANDBY && version >= Wire.BOUND_CERTIFICATE_VERSION;
        }

        /**
         * HELLO{new} of version 4, without a client key, as clients before version 5 send (tests
         * and tools that need any new connection): its certificates are unbound bearer tokens.
         */
        public static Hello newConnection(int maxFrameSize, long windowEnd, int keepaliveMillis) {
            return new Hello(Wire.ACKED_IN_HELLO_VERSION, HelloKind.NEW, maxFrameSize, 0, windowEnd,
                    keepaliveMillis, null, 0, new byte[0]);
        }

        /** HELLO{new} of this version, carrying the client's public key for the connection. */
        public static Hello newConnection(int maxFrameSize, long windowEnd, int keepaliveMillis, byte[] clientKey) {
            return new Hello(Wire.SERVICE_VERSION, HelloKind.NEW, maxFrameSize, 0, windowEnd,
                    keepaliveMillis, null, 0, new byte[0], -1, clientKey, null);
        }

        /** This HELLO{migrate} with its proof, made for the link it is about to go out on. */
        public Hello withProof(Proof p) {
            return new Hello(version, kind, maxFrameSize, next, windowEnd, keepaliveMillis, id, epoch, certificate,
                    acked, clientKey, Objects.requireNonNull(p));
        }

        @Override
        public FrameType type() {
            return FrameType.HELLO;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Hello h && version == h.version && kind == h.kind
                    && maxFrameSize == h.maxFrameSize && next == h.next && windowEnd == h.windowEnd
                    && keepaliveMillis == h.keepaliveMillis && Objects.equals(id, h.id)
                    && epoch == h.epoch && Arrays.equals(certificate, h.certificate) && acked == h.acked
                    && Arrays.equals(clientKey, h.clientKey) && Objects.equals(proof, h.proof);
        }

        @Override
        public int hashCode() {
            return Objects.hash(kind, next, windowEnd, id, epoch) * 31 + Arrays.hashCode(certificate);
        }

        @Override
        public String toString() {
            return "HELLO{" + kind + ", v" + version + ", id=" + id + ", epoch=" + epoch
                    + ", next=" + next + ", window=" + windowEnd + (acked >= 0 ? ", acked=" + acked : "")
                    + (clientKey.length > 0 ? ", key" : "") + (proof != null ? ", " + proof : "") + "}";
        }
    }

    /** A pool member as announced to clients: its name and service address. */
    record Peer(String name, String host, int port) {}

    /**
     * The server's answer to a successful HELLO.
     *
     * @param received the server's inbound position: the client retransmits from here
     * @param windowEnd the server accepts inbound bytes below this offset
     */
    record Welcome(int version, ConnectionId id, long epoch, String server, byte[] certificate,
            long received, long windowEnd, int maxFrameSize, int keepaliveMillis, List<Peer> peers)
            implements Frame {
        public Welcome {
            Objects.requireNonNull(id);
            Objects.requireNonNull(server);
            peers = List.copyOf(peers);
        }

        @Override
        public FrameType type() {
            return FrameType.WELCOME;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Welcome w && version == w.version && id.equals(w.id)
                    && epoch == w.epoch && server.equals(w.server)
                    && Arrays.equals(certificate, w.certificate) && received == w.received
                    && windowEnd == w.windowEnd && maxFrameSize == w.maxFrameSize
                    && keepaliveMillis == w.keepaliveMillis && peers.equals(w.peers);
        }

        @Override
        public int hashCode() {
            return Objects.hash(id, epoch, server, received, windowEnd, peers);
        }

        @Override
        public String toString() {
            return "WELCOME{" + id + ", epoch=" + epoch + ", server=" + server + ", received="
                    + received + ", window=" + windowEnd + ", peers=" + peers.size() + "}";
        }
    }

    /** Stream bytes; {@code offset} is the absolute position of the first byte. */
    record Data(long offset, byte[] payload) implements Frame {
        @Override
        public FrameType type() {
            return FrameType.DATA;
        }

        public long end() {
            return offset + payload.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data d && offset == d.offset && Arrays.equals(payload, d.payload);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(offset) * 31 + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "DATA{" + offset + "+" + payload.length + "}";
        }
    }

    /**
     * Cumulative acknowledgement.
     *
     * @param received every byte below this offset arrived
     * @param stable every byte below this offset is covered by state that survives the holder
     *     (lazy transfer: equal to received)
     * @param windowEnd the sender may send bytes below this offset
     * @param flags {@link #FIN_RECEIVED} when the peer's FIN arrived; {@link #REPLICATED} (server to
     *     a version 4 client) when the holder replicates its state, so {@code stable} is a replica's
     */
    record Ack(long received, long stable, long windowEnd, int flags) implements Frame {
        public static final int FIN_RECEIVED = 1;
        /**
         * The holder pushes its state to replicas (protocol.md section 10): the client can resume
         * on a replica, and prefers one as a migration's target. Stated on every ACK, because
         * {@code stable < received} (the other sign) is seen only when an ACK leaves between a
         * receipt and the push that covers it.
         */
        public static final int REPLICATED = 2;

        @Override
        public FrameType type() {
            return FrameType.ACK;
        }

        public boolean finReceived() {
            return (flags & FIN_RECEIVED) != 0;
        }

        public boolean replicated() {
            return (flags & REPLICATED) != 0;
        }
    }

    /** The sender's stream ends at {@code offset}. */
    record Fin(long offset) implements Frame {
        @Override
        public FrameType type() {
            return FrameType.FIN;
        }
    }

    /** The sender is done with the logical connection (no migration will follow). */
    record Close() implements Frame {
        @Override
        public FrameType type() {
            return FrameType.CLOSE;
        }
    }

    record Ping(long nonce) implements Frame {
        @Override
        public FrameType type() {
            return FrameType.PING;
        }
    }

    record Pong(long nonce) implements Frame {
        @Override
        public FrameType type() {
            return FrameType.PONG;
        }
    }

    /** Refusal or reset; {@code hint} may name the server that holds the connection now. */
    record Reset(ResetCode code, String message, String hint) implements Frame {
        public Reset {
            Objects.requireNonNull(code);
            message = message == null ? "" : message;
            hint = hint == null ? "" : hint;
        }

        @Override
        public FrameType type() {
            return FrameType.RESET;
        }
    }

    /** The holder asks the client to migrate; an empty target lets the client choose. */
    record MigrateRequest(String target, String reason) implements Frame {
        @Override
        public FrameType type() {
            return FrameType.MIGRATE_REQUEST;
        }
    }

    /**
     * A refreshed certificate for the current epoch. From protocol version 2 it also carries the
     * pool's current peer list (the client's migration targets), so a pool change reaches
     * connected clients; an empty list means "not carried" (a version-1 CERT): the client keeps
     * the peers it knows. A carried list is never empty (the holder is always a member).
     */
    record Cert(byte[] certificate, List<Peer> peers) implements Frame {
        public Cert {
            Objects.requireNonNull(certificate);
            peers = List.copyOf(peers);
        }

        /** A version-1 CERT: the certificate alone. */
        public Cert(byte[] certificate) {
            this(certificate, List.of());
        }

        @Override
        public FrameType type() {
            return FrameType.CERT;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Cert c && Arrays.equals(certificate, c.certificate) && peers.equals(c.peers);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(certificate) * 31 + peers.hashCode();
        }

        @Override
        public String toString() {
            return "CERT{" + certificate.length + " bytes, peers=" + peers.size() + "}";
        }
    }
}
