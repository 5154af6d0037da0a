package org.mtcp.core.internal.control;

import org.mtcp.core.internal.cert.Hmac;
import org.mtcp.core.internal.wire.Wire;

/**
 * Control-plane message types with their type byte and body bounds ({@code -1}: bounded only by
 * the channel's frame limit). Codes do not overlap the service protocol's, so a control frame
 * sent to a service port (or the reverse) is refused as an unknown type at once.
 */
public enum ControlType {
    HELLO(0x41, 1 + 2 + 1 + ControlCodec.NONCE_BYTES, 1 + 2 + Wire.MAX_NAME_BYTES + ControlCodec.NONCE_BYTES, false),
    CHALLENGE(0x42, 1 + 2 + 1 + ControlCodec.NONCE_BYTES + Hmac.LENGTH,
            1 + 2 + Wire.MAX_NAME_BYTES + ControlCodec.NONCE_BYTES + Hmac.LENGTH, false),
    AUTH(0x43, Hmac.LENGTH, Hmac.LENGTH, false),
    DENIED(0x44, 2, 2 + Wire.MAX_MESSAGE_BYTES, false),
    SEALED(0x45, 8 + Hmac.LENGTH + 1, -1, false),
    FETCH(0x51, 8 + Wire.CID_BYTES + 8 + 3, 8 + Wire.CID_BYTES + 8 + 2 + Wire.MAX_NAME_BYTES, true),
    STATE(0x52, 8 + ControlCodec.MIN_STATE_BYTES, -1, true),
    REFUSE(0x53, 8 + 1 + 2 + 2, 8 + 1 + 2 + Wire.MAX_MESSAGE_BYTES + 2 + Wire.MAX_NAME_BYTES, true),
    STORE(0x54, 8 + ControlCodec.MIN_STATE_BYTES, -1, true),
    STORED(0x55, 8, 8, true),
    FORGET(0x56, 8 + Wire.CID_BYTES + 8, 8 + Wire.CID_BYTES + 8, true);

    private static final ControlType[] BY_CODE = new ControlType[256];

    static {
        for (ControlType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    public final int code;
    final int minBody;
    final int maxBody;
    /** True for the types that only travel inside SEALED. */
    final boolean sealedOnly;

    ControlType(int code, int minBody, int maxBody, boolean sealedOnly) {
        this.code = code;
        this.minBody = minBody;
        this.maxBody = maxBody;
        this.sealedOnly = sealedOnly;
    }

    public static ControlType of(int code) {
        return BY_CODE[code & 0xFF];
    }
}
