package org.mtcp.core;

import java.io.IOException;

/**
 * The logical connection was reset and is gone: a non-deterministic replay, a protocol
 * violation, a holder that gave up on its client, a server shutdown. {@link #reason()} is a
 * stable, dashed label such as {@code non-deterministic-replay}; the message says what happened.
 * Thrown at both ends where the reset is known.
 */
public final class ConnectionResetException extends IOException {

    private final String reason;

    public ConnectionResetException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** e.g. {@code non-deterministic-replay}, {@code protocol-error}, {@code timeout}. */
    public String reason() {
        return reason;
    }
}
