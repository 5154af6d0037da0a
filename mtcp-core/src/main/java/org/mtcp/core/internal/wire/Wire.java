package org.mtcp.core.internal.wire;

/** Protocol constants shared by the service protocol and the control plane. */
public final class Wire {
    private Wire() {}

    /** The protocol version carried in HELLO and WELCOME (and the control-plane hello). */
    public static final int VERSION = 1;

    /** Bytes of the length prefix that starts every frame. */
    public static final int LENGTH_BYTES = 4;

    /** Bytes of a connection id on the wire. */
    public static final int CID_BYTES = 16;

    /** Longest server name, host name or certificate holder, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 255;

    /** Longest human-readable message (RESET, MIGRATE_REQUEST reason), in UTF-8 bytes. */
    public static final int MAX_MESSAGE_BYTES = 4096;

    /** Largest certificate accepted anywhere. */
    public static final int MAX_CERTIFICATE_BYTES = 1024;

    /** Most peers a WELCOME may list. */
    public static final int MAX_PEERS = 256;

    /** Smallest frame size limit anyone may configure: a frame must fit a useful handshake. */
    public static final int MIN_MAX_FRAME_SIZE = 1024;

    /** Largest DATA payload a sender puts in one frame, whatever the peer would accept. */
    public static final int PREFERRED_DATA_PAYLOAD = 64 * 1024;
}
