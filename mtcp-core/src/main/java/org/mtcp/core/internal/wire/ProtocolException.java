package org.mtcp.core.internal.wire;

import java.io.IOException;

/**
 * The peer sent something that violates the protocol: a malformed or oversized frame, a frame
 * that is not allowed in the current state, a gap in a stream. The connection (TCP link) that
 * carried it is closed; other connections are unaffected.
 */
public final class ProtocolException extends IOException {

    public ProtocolException(String message) {
        super(message);
    }
}
