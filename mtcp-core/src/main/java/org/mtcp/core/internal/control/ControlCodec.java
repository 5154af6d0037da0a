package org.mtcp.core.internal.control;

/** Constants shared by {@link ControlEncoder} and {@link ControlDecoder}. */
public final class ControlCodec {
    private ControlCodec() {}

    /** Bytes of a handshake nonce. */
    public static final int NONCE_BYTES = 32;

    /** Smallest encoded connection state (empty snapshot and logs, one-byte holder name). */
    static final int MIN_STATE_BYTES = 16 + 8 + 3 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 4 + 8 + 8 + 8;

    /** Room for everything in a STATE message besides the snapshot and the two logs. */
    public static final int STATE_OVERHEAD = 1024;

    /** Direction bytes mixed into sealed-message MACs, so a message cannot be reflected back. */
    static final byte FROM_INITIATOR = 'I';
    static final byte FROM_RESPONDER = 'R';
}
