package org.mtcp.core.internal.wire;

/**
 * The frame types of the service protocol (client to server), with their type byte and the
 * bounds of their body size. The decoder checks a frame's declared length against these bounds
 * as soon as it has read the type byte, before buffering anything.
 */
public enum FrameType {
    /** Client to server, first frame of every TCP connection: a new connection or a migration. */
    HELLO(0x01, 2 + 4 + 8 + 8 + 4, 2 + 4 + 8 + 8 + 4 + Wire.CID_BYTES + 8 + 2 + Wire.MAX_CERTIFICATE_BYTES
            + 8 + 1 + 2 + Wire.PROOF_SIGNATURE_BYTES),
    /** Server to client: the handshake succeeded. */
    WELCOME(0x02, 1 + Wire.CID_BYTES + 8 + 2 + 2 + 8 + 8 + 4 + 4 + 2, 256 * 1024),
    /** Either way: stream bytes starting at an absolute 64-bit offset. */
    DATA(0x03, 8 + 1, -1),
    /** Either way: cumulative acknowledgement and flow-control window. */
    ACK(0x04, 8 + 8 + 8 + 1, 8 + 8 + 8 + 1),
    /** Either way: the sender's stream ends at this offset. */
    FIN(0x05, 8, 8),
    /** Either way: the sender is done with the logical connection. */
    CLOSE(0x06, 0, 0),
    /** Client to server: keepalive; the server answers PONG with the same nonce. */
    PING(0x07, 8, 8),
    /** Server to client: answer to PING. */
    PONG(0x08, 8, 8),
    /** Either way: the connection or the handshake is refused or reset, with a reason. */
    RESET(0x09, 2 + 2 + 2, 2 + 2 + Wire.MAX_MESSAGE_BYTES + 2 + Wire.MAX_NAME_BYTES),
    /** Server to client: please migrate (to the named server, or any if empty). */
    MIGRATE_REQUEST(0x0A, 2 + 2, 2 + Wire.MAX_NAME_BYTES + 2 + Wire.MAX_MESSAGE_BYTES),
    /**
     * Server to client: a fresh certificate for the current epoch (before the old one expires, or
     * when the pool changed); from protocol version 2 followed by the current peer list.
     */
    CERT(0x0B, 2, 2 + Wire.MAX_CERTIFICATE_BYTES + 2 + Wire.MAX_PEERS * Wire.MAX_PEER_BYTES);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    public final int code;
    final int minBody;
    /** Largest body, or -1 when it depends on the configured frame size (DATA). */
    final int maxBody;

    FrameType(int code, int minBody, int maxBody) {
        this.code = code;
        this.minBody = minBody;
        this.maxBody = maxBody;
    }

    /** The type for a type byte, or null when it is not a service frame type. */
    public static FrameType of(int code) {
        return BY_CODE[code & 0xFF];
    }
}
