package org.mtcp.core.internal.control;

import java.util.Arrays;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.cert.Hmac;
import org.mtcp.core.internal.wire.LengthPrefixedDecoder;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.internal.wire.WireReader;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferException;

/**
 * Decoder of the control plane, in the same style as the service protocol's
 * {@link org.mtcp.core.internal.wire.FrameDecoder}: the shared framing state machine plus a
 * bounds-checked parser per {@link ControlType}. A SEALED message is parsed inside out (its inner
 * message too), but its MAC and sequence number are checked by {@link ControlChannel}, which
 * knows the session key.
 */
public final class ControlDecoder extends LengthPrefixedDecoder<ControlMessage> {

    /** @param maxLength largest frame accepted: bounds a STATE message (snapshot and logs) */
    public ControlDecoder(int maxLength) {
        super(maxLength);
    }

    @Override
    protected void checkHeader(int typeCode, int bodyLength) throws ProtocolException {
        ControlType type = ControlType.of(typeCode);
        if (type == null) {
            throw new ProtocolException(String.format("unknown control message type 0x%02x", typeCode));
        }
        if (type.sealedOnly) {
            throw new ProtocolException(type + " must travel sealed");
        }
        checkBounds(type, bodyLength);
    }

    private static void checkBounds(ControlType type, int bodyLength) throws ProtocolException {
        if (bodyLength < type.minBody || (type.maxBody >= 0 && bodyLength > type.maxBody)) {
            throw new ProtocolException("control " + type + " body of " + bodyLength + " bytes is outside ["
                    + type.minBody + ", " + (type.maxBody < 0 ? "limit" : type.maxBody) + "]");
        }
    }

    @Override
    protected ControlMessage parseBody(int typeCode, byte[] body) throws ProtocolException {
        return parse(ControlType.of(typeCode), body, 0, body.length);
    }

    private static ControlMessage parse(ControlType type, byte[] b, int off, int len) throws ProtocolException {
        WireReader r = new WireReader(b, off, len);
        ControlMessage m = switch (type) {
            case HELLO -> new ControlMessage.Hello(version(r), name(r, "control HELLO name"),
                    r.raw(ControlCodec.NONCE_BYTES, "control HELLO nonce"));
            case CHALLENGE -> new ControlMessage.Challenge(version(r), name(r, "CHALLENGE name"),
                    r.raw(ControlCodec.NONCE_BYTES, "CHALLENGE nonce"), r.raw(Hmac.LENGTH, "CHALLENGE proof"));
            case AUTH -> new ControlMessage.Auth(r.raw(Hmac.LENGTH, "AUTH proof"));
            case DENIED -> new ControlMessage.Denied(r.string("DENIED message", Wire.MAX_MESSAGE_BYTES));
            case SEALED -> sealed(r, b, off + 8 + Hmac.LENGTH, len - 8 - Hmac.LENGTH);
            case FETCH -> new ControlMessage.Fetch(r.i64("FETCH request id"),
                    new ConnectionId(r.i64("FETCH id"), r.i64("FETCH id")), r.offset("FETCH epoch"),
                    name(r, "FETCH requester"));
            case STATE -> new ControlMessage.State(r.i64("STATE request id"), state(r));
            case STORE -> new ControlMessage.Store(r.i64("STORE request id"), state(r));
            case STORED -> new ControlMessage.Stored(r.i64("STORED request id"));
            case FORGET -> new ControlMessage.Forget(r.i64("FORGET request id"),
                    new ConnectionId(r.i64("FORGET id"), r.i64("FORGET id")), r.offset("FORGET epoch"));
            case REFUSE -> {
                long id = r.i64("REFUSE request id");
                int reason = r.u8("REFUSE reason");
                TransferException.Reason[] reasons = TransferException.Reason.values();
                if (reason >= reasons.length) {
                    throw new ProtocolException("REFUSE has unknown reason " + reason);
                }
                yield new ControlMessage.Refuse(id, reasons[reason],
                        r.string("REFUSE message", Wire.MAX_MESSAGE_BYTES),
                        r.string("REFUSE hint", Wire.MAX_NAME_BYTES));
            }
        };
        if (type != ControlType.SEALED) {
            r.end("control " + type);
        }
        return m;
    }

    private static ControlMessage sealed(WireReader r, byte[] b, int innerOff, int innerLen)
            throws ProtocolException {
        long seq = r.i64("SEALED sequence");
        byte[] mac = r.raw(Hmac.LENGTH, "SEALED mac");
        byte[] innerBytes = Arrays.copyOfRange(b, innerOff, innerOff + innerLen);
        r.rest();
        ControlType inner = ControlType.of(innerBytes[0]);
        if (inner == null || !inner.sealedOnly) {
            throw new ProtocolException(String.format("SEALED carries a bad inner type 0x%02x", innerBytes[0]));
        }
        checkBounds(inner, innerLen - 1);
        return new ControlMessage.Sealed(seq, mac, innerBytes, parse(inner, innerBytes, 1, innerLen - 1));
    }

    private static int version(WireReader r) throws ProtocolException {
        int v = r.u8("control version");
        if (v != Wire.VERSION) {
            throw new ProtocolException("control protocol version " + v + " is not supported");
        }
        return v;
    }

    private static String name(WireReader r, String field) throws ProtocolException {
        String s = r.string(field, Wire.MAX_NAME_BYTES);
        if (s.isEmpty()) {
            throw new ProtocolException(field + " is empty");
        }
        return s;
    }

    static ConnectionState state(WireReader r) throws ProtocolException {
        ConnectionId id = new ConnectionId(r.i64("state id"), r.i64("state id"));
        long epoch = r.offset("state epoch");
        String holder = name(r, "state holder");
        byte[] snapshot = r.blob32("state snapshot", Integer.MAX_VALUE);
        long inSnap = r.offset("state inSnap");
        long received = r.offset("state received");
        byte[] log = r.blob32("state inbound log", Integer.MAX_VALUE);
        long outSnap = r.offset("state outSnap");
        long acked = r.offset("state acked");
        long written = r.offset("state written");
        byte[] retention = r.blob32("state retention", Integer.MAX_VALUE);
        long clientFin = r.i64("state clientFin");
        long serverFin = r.i64("state serverFin");
        long window = r.offset("state client window");
        try {
            return new ConnectionState(id, epoch, holder, snapshot, inSnap, received, log, outSnap,
                    acked, written, retention, clientFin, serverFin, window);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(e.getMessage());
        }
    }
}
