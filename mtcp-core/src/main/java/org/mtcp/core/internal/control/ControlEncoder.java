package org.mtcp.core.internal.control;

import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.internal.wire.WireWriter;
import org.mtcp.core.transfer.ConnectionState;

/** Encoder of control-plane messages: the exact inverse of {@link ControlDecoder}. */
public final class ControlEncoder {
    private ControlEncoder() {}

    /** A complete frame: length, type byte, body. */
    public static byte[] encode(ControlMessage m) {
        WireWriter w = new WireWriter(64);
        w.u32(0);
        writeTypeAndBody(w, m);
        w.patchU32(0, w.size() - Wire.LENGTH_BYTES);
        return w.toByteArray();
    }

    /**
     * A complete SEALED frame around {@code innerBytes}, the same bytes as {@code encode(new
     * Sealed(...))} with one copy of the inner message instead of three.
     */
    public static byte[] sealed(long seq, byte[] mac, byte[] innerBytes) {
        WireWriter w = new WireWriter(Wire.LENGTH_BYTES + 1 + 8 + mac.length + innerBytes.length);
        w.u32(0);
        w.u8(ControlType.SEALED.code).i64(seq).raw(mac).raw(innerBytes);
        w.patchU32(0, w.size() - Wire.LENGTH_BYTES);
        return w.toByteArray();
    }

    /** Type byte and body, without length: what a SEALED message carries and MACs. */
    public static byte[] encodeInner(ControlMessage m) {
        // Sized for the message: a STATE's blobs are copied once, not through doublings.
        WireWriter w = new WireWriter(switch (m) {
            case ControlMessage.State s -> (int) Math.min(Integer.MAX_VALUE - 1024, 256 + s.state().sizeInBytes());
            case ControlMessage.Store s -> (int) Math.min(Integer.MAX_VALUE - 1024, 256 + s.state().sizeInBytes());
            default -> 64;
        });
        writeTypeAndBody(w, m);
        return w.toByteArray();
    }

    private static void writeTypeAndBody(WireWriter w, ControlMessage m) {
        w.u8(m.type().code);
        switch (m) {
            case ControlMessage.Hello h -> w.u8(h.version()).string(h.name()).raw(h.nonce());
            case ControlMessage.Challenge c -> w.u8(c.version()).string(c.name()).raw(c.nonce()).raw(c.proof());
            case ControlMessage.Auth a -> w.raw(a.proof());
            case ControlMessage.Denied d -> w.string(FrameEncoder.truncate(d.message(), Wire.MAX_MESSAGE_BYTES));
            case ControlMessage.Sealed s -> w.i64(s.seq()).raw(s.mac()).raw(s.innerBytes());
            case ControlMessage.Fetch f -> w.i64(f.requestId()).i64(f.id().high()).i64(f.id().low())
                    .i64(f.epoch()).string(f.requester());
            case ControlMessage.State s -> {
                w.i64(s.requestId());
                state(w, s.state());
            }
            case ControlMessage.Store s -> {
                w.i64(s.requestId());
                state(w, s.state());
            }
            case ControlMessage.Stored s -> w.i64(s.requestId());
            case ControlMessage.Forget f -> w.i64(f.requestId()).i64(f.id().high()).i64(f.id().low()).i64(f.epoch());
            case ControlMessage.Refuse r -> w.i64(r.requestId()).u8(r.reason().ordinal())
                    .string(FrameEncoder.truncate(r.message(), Wire.MAX_MESSAGE_BYTES)).string(r.hint());
        }
    }

    static void state(WireWriter w, ConnectionState s) {
        w.i64(s.id().high()).i64(s.id().low()).i64(s.epoch()).string(s.holder())
                .blob32(s.snapshot())
                .i64(s.inSnap()).i64(s.received()).blob32(s.inboundLog())
                .i64(s.outSnap()).i64(s.acked()).i64(s.written()).blob32(s.outboundRetention())
                .i64(s.clientFin()).i64(s.serverFin()).i64(s.clientWindowEnd());
    }
}
