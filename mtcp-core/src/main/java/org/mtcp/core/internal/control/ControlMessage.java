package org.mtcp.core.internal.control;

import java.util.Arrays;
import java.util.Objects;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferException;

/**
 * Messages of the control plane between pool members (see {@code docs/protocol.md}). The first
 * four authenticate a channel; after that every message travels inside {@link Sealed}, which
 * adds a sequence number and a MAC under the channel's session key.
 */
public sealed interface ControlMessage {

    ControlType type();

    /** Initiator to responder: who I am, and a fresh nonce. */
    record Hello(int version, String name, byte[] nonce) implements ControlMessage {
        @Override
        public ControlType type() {
            return ControlType.HELLO;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Hello h && version == h.version && name.equals(h.name)
                    && Arrays.equals(nonce, h.nonce);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }
    }

    /** Responder to initiator: who I am, my nonce, and proof that I know the pool secret. */
    record Challenge(int version, String name, byte[] nonce, byte[] proof) implements ControlMessage {
        @Override
        public ControlType type() {
            return ControlType.CHALLENGE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Challenge c && version == c.version && name.equals(c.name)
                    && Arrays.equals(nonce, c.nonce) && Arrays.equals(proof, c.proof);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }
    }

    /** Initiator to responder: proof that I know the pool secret. */
    record Auth(byte[] proof) implements ControlMessage {
        @Override
        public ControlType type() {
            return ControlType.AUTH;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Auth a && Arrays.equals(proof, a.proof);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(proof);
        }
    }

    /** Either way, unauthenticated: the handshake failed, and why (then the channel closes). */
    record Denied(String message) implements ControlMessage {
        @Override
        public ControlType type() {
            return ControlType.DENIED;
        }
    }

    /**
     * An authenticated message: {@code inner} with its sequence number and MAC. {@code innerBytes}
     * are the exact bytes the MAC covers (inner type byte and body).
     */
    record Sealed(long seq, byte[] mac, byte[] innerBytes, ControlMessage inner) implements ControlMessage {
        @Override
        public ControlType type() {
            return ControlType.SEALED;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sealed s && seq == s.seq && Arrays.equals(mac, s.mac)
                    && Arrays.equals(innerBytes, s.innerBytes) && inner.equals(s.inner);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(seq);
        }
    }

    /**
     * Sealed, new holder to holder: freeze {@code id} at {@code epoch} and hand me its state.
     * {@code requestId} makes a retry by the same requester idempotent.
     */
    record Fetch(long requestId, ConnectionId id, long epoch, String requester) implements ControlMessage {
        @Override
        public ControlType type() {
            return ControlType.FETCH;
        }
    }

    /** Sealed, holder to new holder: the state, handed out once. */
    record State(long requestId, ConnectionState state) implements ControlMessage {
        @Override
        public ControlType type() {
            return ControlType.STATE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && requestId == s.requestId && sameState(state, s.state);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(requestId);
        }

        private static boolean sameState(ConnectionState a, ConnectionState b) {
            return a.id().equals(b.id()) && a.epoch() == b.epoch() && a.holder().equals(b.holder())
                    && Arrays.equals(a.snapshot(), b.snapshot()) && a.inSnap() == b.inSnap()
                    && a.received() == b.received() && Arrays.equals(a.inboundLog(), b.inboundLog())
                    && a.outSnap() == b.outSnap() && a.acked() == b.acked() && a.written() == b.written()
                    && Arrays.equals(a.outboundRetention(), b.outboundRetention())
                    && a.clientFin() == b.clientFin() && a.serverFin() == b.serverFin()
                    && a.clientWindowEnd() == b.clientWindowEnd();
        }
    }

    /** Sealed, holder to new holder: no state, and why. */
    record Refuse(long requestId, TransferException.Reason reason, String message, String hint)
            implements ControlMessage {
        public Refuse {
            Objects.requireNonNull(reason);
        }

        @Override
        public ControlType type() {
            return ControlType.REFUSE;
        }
    }

    /**
     * Sealed, holder to replica (replicated transfer): keep {@code state} for its connection,
     * replacing an older one; answered with {@link Stored} or {@link Refuse}.
     */
    record Store(long requestId, ConnectionState state) implements ControlMessage {
        @Override
        public ControlType type() {
            return ControlType.STORE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Store s && requestId == s.requestId
                    && new State(0, state).equals(new State(0, s.state));
        }

        @Override
        public int hashCode() {
            return Long.hashCode(requestId);
        }
    }

    /** Sealed, replica to holder: the {@link Store} or {@link Forget} of {@code requestId} is done. */
    record Stored(long requestId) implements ControlMessage {
        @Override
        public ControlType type() {
            return ControlType.STORED;
        }
    }

    /** Sealed, holder to replica: the connection ended cleanly at {@code epoch}; drop its replica. */
    record Forget(long requestId, ConnectionId id, long epoch) implements ControlMessage {
        @Override
        public ControlType type() {
            return ControlType.FORGET;
        }
    }
}
