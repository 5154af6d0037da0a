package org.mtcp.core.internal.wire;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.wire.Frame.HelloKind;

/**
 * Decoder of the service protocol (see {@code docs/protocol.md}): the framing state machine of
 * {@link LengthPrefixedDecoder} plus one bounds-checked parser per {@link FrameType}.
 *
 * <p>A HELLO whose version byte is not one this code speaks ({@link Wire#VERSION} to {@link
 * Wire#SERVICE_VERSION}) decodes to a HELLO carrying only that
 * version (the rest of its body is not interpreted), so the server can answer with a clear
 * "unsupported version" RESET instead of a parse error.
 */
public final class FrameDecoder extends LengthPrefixedDecoder<Frame> {

    private final int maxDataPayload;
    private DataSink dataSink;
    /** The offset of the DATA frame being streamed, assembled from its first 8 body bytes. */
    private long dataOffset;

    /** @param maxDataPayload largest DATA payload accepted (the local maxFrameSize) */
    public FrameDecoder(int maxDataPayload) {
        super(Math.max(1 + 8 + maxDataPayload, 1 + FrameType.WELCOME.maxBody));
        if (maxDataPayload < 1) {
            throw new IllegalArgumentException("maxDataPayload " + maxDataPayload);
        }
        this.maxDataPayload = maxDataPayload;
    }

    /**
     * From now on, DATA payloads go to {@code sink} as they arrive (no {@link Frame.Data} is
     * returned); null returns to records. Set between frames, by the thread that reads.
     */
    public void dataSink(DataSink sink) {
        this.dataSink = sink;
    }

    @Override
    protected boolean streams(int typeCode, int bodyLength) {
        return dataSink != null && typeCode == FrameType.DATA.code;
    }

    @Override
    protected void streamBody(int typeCode, int bodyLength, int bodyPos, byte[] in, int off, int len)
            throws ProtocolException {
        int payloadLength = bodyLength - 8;
        int i = off;
        int end = off + len;
        while (bodyPos < 8 && i < end) {
            dataOffset = (dataOffset << 8) | (in[i++] & 0xFF);
            if (++bodyPos == 8) {
                if (dataOffset < 0) {
                    throw new ProtocolException("DATA offset is negative: " + dataOffset);
                }
                if (dataOffset > Long.MAX_VALUE - payloadLength) {
                    throw new ProtocolException("DATA offset " + dataOffset + " overflows");
                }
                if (payloadLength == 0) {
                    dataSink.data(dataOffset, 0, 0, in, i, 0);
                }
            }
        }
        if (i < end) {
            int payloadPos = bodyPos - 8;
            dataSink.data(dataOffset, payloadLength, payloadPos, in, i, end - i);
        }
        if (bodyPos - 8 + (end - i) == payloadLength && bodyPos >= 8) {
            dataOffset = 0; // the frame is complete
        }
    }

    /**
     * Inside a DATA payload (its offset decoded): the sink may read the rest straight from {@code in} ({@link DataSink#readDirect}), up to the end of the payload.
     */
    @Override
    public int readDirect(InputStream in) throws IOException {
        int remaining = streamRemaining();
        int bodyPos = streamPosition();
        if (dataSink == null || remaining == 0 || bodyPos < 8) {
            return DataSink.NOT_DIRECT;
        }
        int payloadLength = bodyPos - 8 + remaining;
        int n;
        try {
            n = dataSink.readDirect(dataOffset, payloadLength, bodyPos - 8, remaining, in);
        } catch (ProtocolException e) {
            failed(e);
            throw e;
        }
        if (n > 0) {
            streamedDirectly(n);
            if (n == remaining) {
                dataOffset = 0; // the frame is complete
            }
        }
        return n;
    }

    @Override
    protected void checkHeader(int typeCode, int bodyLength) throws ProtocolException {
        FrameType type = FrameType.of(typeCode);
        if (type == null) {
            throw new ProtocolException(String.format("unknown frame type 0x%02x", typeCode));
        }
        int max = type == FrameType.DATA ? 8 + maxDataPayload : type.maxBody;
        if (bodyLength < type.minBody || bodyLength > max) {
            if (type == FrameType.DATA && bodyLength > max) {
                throw new ProtocolException("DATA payload of " + (bodyLength - 8)
                        + " bytes exceeds the frame size limit of " + maxDataPayload);
            }
            throw new ProtocolException(type + " body of " + bodyLength + " bytes is outside ["
                    + type.minBody + ", " + max + "]");
        }
    }

    @Override
    protected Frame parseBody(int typeCode, byte[] body) throws ProtocolException {
        FrameType type = FrameType.of(typeCode);
        WireReader r = new WireReader(body);
        Frame f = switch (type) {
            case HELLO -> hello(r);
            case WELCOME -> welcome(r);
            case DATA -> {
                long offset = r.offset("DATA offset");
                byte[] payload = r.rest();
                if (offset > Long.MAX_VALUE - payload.length) {
                    throw new ProtocolException("DATA offset " + offset + " overflows");
                }
                yield new Frame.Data(offset, payload);
            }
            case ACK -> {
                long received = r.offset("ACK received");
                long stable = r.offset("ACK stable");
                long window = r.offset("ACK window");
                int flags = r.u8("ACK flags");
                if ((flags & ~(Frame.Ack.FIN_RECEIVED | Frame.Ack.REPLICATED)) != 0) {
                    throw new ProtocolException("ACK has unknown flags " + flags);
                }
                if (stable > received) {
                    throw new ProtocolException("ACK stable " + stable + " beyond received " + received);
                }
                yield new Frame.Ack(received, stable, window, flags);
            }
            case FIN -> new Frame.Fin(r.offset("FIN offset"));
            case CLOSE -> new Frame.Close();
            case PING -> new Frame.Ping(r.i64("PING nonce"));
            case PONG -> new Frame.Pong(r.i64("PONG nonce"));
            case RESET -> new Frame.Reset(ResetCode.of(r.u16("RESET code")),
                    r.string("RESET message", Wire.MAX_MESSAGE_BYTES),
                    r.string("RESET hint", Wire.MAX_NAME_BYTES));
            case MIGRATE_REQUEST -> new Frame.MigrateRequest(
                    r.string("MIGRATE_REQUEST target", Wire.MAX_NAME_BYTES),
                    r.string("MIGRATE_REQUEST reason", Wire.MAX_MESSAGE_BYTES));
            case CERT -> cert(r);
        };
        r.end(type.toString());
        return f;
    }

    /**
     * Versions 1 to 5 of the service protocol share the WELCOME layout (HELLO: version 4 adds
     * {@code acked}, version 5 the client's key and the migration proof).
     */
    public static boolean spoken(int version) {
        return version >= Wire.VERSION && version <= Wire.SERVICE_VERSION;
    }

    private static Frame.Hello hello(WireReader r) throws ProtocolException {
        int version = r.u8("HELLO version");
        if (!spoken(version)) {
            r.rest();
            return new Frame.Hello(version, HelloKind.NEW, 0, 0, 0, 0, null, 0, new byte[0]);
        }
        int kindCode = r.u8("HELLO kind");
        HelloKind kind = switch (kindCode) {
            case 0 -> HelloKind.NEW;
            case 1 -> HelloKind.MIGRATE;
            case 2 -> {
                if (version < Wire.STANDBY_VERSION) {
                    throw new ProtocolException("HELLO kind 2 (standby) needs version " + Wire.STANDBY_VERSION
                            + ", not " + version);
                }
                yield HelloKind.STANDBY;
            }
            default -> throw new ProtocolException("HELLO has unknown kind " + kindCode);
        };
        int maxFrame = frameSize(r.u32("HELLO max frame size"), "HELLO");
        long next = r.offset("HELLO next");
        long window = r.offset("HELLO window");
        int keepalive = keepalive(r.u32("HELLO keepalive"), "HELLO");
        if (kind == HelloKind.NEW) {
            if (next != 0) {
                throw new ProtocolException("HELLO for a new connection with next " + next);
            }
            byte[] key = Frame.Hello.carriesBinding(version, kind)
                    ? exactBlob(r, "HELLO client key", Wire.CLIENT_KEY_BYTES) : new byte[0];
            return new Frame.Hello(version, kind, maxFrame, next, window, keepalive, null, 0, new byte[0], -1,
                    key, null);
        }
        ConnectionId id = connectionId(r, "HELLO");
        long epoch = r.offset("HELLO epoch");
        byte[] cert = r.blob16("HELLO certificate", Wire.MAX_CERTIFICATE_BYTES);
        long acked = Frame.Hello.carriesAcked(version, kind) ? r.offset("HELLO acked") : -1;
        Frame.Proof proof = null;
        if (Frame.Hello.carriesBinding(version, kind)) {
            Frame.ProofBinding binding = Frame.ProofBinding.of(r.u8("HELLO proof binding"));
            proof = new Frame.Proof(binding, exactBlob(r, "HELLO proof", Wire.PROOF_SIGNATURE_BYTES));
        }
        return new Frame.Hello(version, kind, maxFrame, next, window, keepalive, id, epoch, cert, acked,
                new byte[0], proof);
    }

    /** A blob that must be exactly {@code length} bytes long (a key, a signature). */
    private static byte[] exactBlob(WireReader r, String field, int length) throws ProtocolException {
        byte[] b = r.blob16(field, length);
        if (b.length != length) {
            throw new ProtocolException(field + " is " + b.length + " bytes, not " + length);
        }
        return b;
    }

    private static Frame.Welcome welcome(WireReader r) throws ProtocolException {
        int version = r.u8("WELCOME version");
        if (!spoken(version)) {
            throw new ProtocolException("WELCOME has unsupported version " + version);
        }
        ConnectionId id = connectionId(r, "WELCOME");
        long epoch = r.offset("WELCOME epoch");
        String server = name(r, "WELCOME server");
        byte[] cert = r.blob16("WELCOME certificate", Wire.MAX_CERTIFICATE_BYTES);
        long received = r.offset("WELCOME received");
        long window = r.offset("WELCOME window");
        int maxFrame = frameSize(r.u32("WELCOME max frame size"), "WELCOME");
        int keepalive = keepalive(r.u32("WELCOME keepalive"), "WELCOME");
        List<Frame.Peer> peers = peers(r, "WELCOME");
        return new Frame.Welcome(version, id, epoch, server, cert, received, window, maxFrame,
                keepalive, peers);
    }

    /** A CERT: the certificate, then (version 2) a non-empty peer list when any bytes follow. */
    private static Frame.Cert cert(WireReader r) throws ProtocolException {
        byte[] cert = r.blob16("CERT certificate", Wire.MAX_CERTIFICATE_BYTES);
        if (r.remaining() == 0) {
            return new Frame.Cert(cert);
        }
        List<Frame.Peer> peers = peers(r, "CERT");
        if (peers.isEmpty()) {
            throw new ProtocolException("CERT carries an empty peer list");
        }
        return new Frame.Cert(cert, peers);
    }

    private static List<Frame.Peer> peers(WireReader r, String frame) throws ProtocolException {
        int count = r.u16(frame + " peer count");
        if (count > Wire.MAX_PEERS) {
            throw new ProtocolException(frame + " lists " + count + " peers, more than " + Wire.MAX_PEERS);
        }
        List<Frame.Peer> peers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = name(r, frame + " peer name");
            String host = name(r, frame + " peer host");
            int port = r.u16(frame + " peer port");
            if (port == 0) {
                throw new ProtocolException(frame + " peer " + name + " has port 0");
            }
            peers.add(new Frame.Peer(name, host, port));
        }
        return peers;
    }

    static ConnectionId connectionId(WireReader r, String what) throws ProtocolException {
        return new ConnectionId(r.i64(what + " id"), r.i64(what + " id"));
    }

    private static String name(WireReader r, String field) throws ProtocolException {
        String s = r.string(field, Wire.MAX_NAME_BYTES);
        if (s.isEmpty()) {
            throw new ProtocolException(field + " is empty");
        }
        return s;
    }

    private static int frameSize(long v, String what) throws ProtocolException {
        if (v < Wire.MIN_MAX_FRAME_SIZE || v > Integer.MAX_VALUE - 64) {
            throw new ProtocolException(what + " max frame size " + v + " out of range");
        }
        return (int) v;
    }

    private static int keepalive(long v, String what) throws ProtocolException {
        if (v < 1 || v > 24L * 3600 * 1000) {
            throw new ProtocolException(what + " keepalive " + v + " ms out of range");
        }
        return (int) v;
    }
}
