package org.mtcp.core;

import java.io.IOException;

/**
 * A configured limit refused an operation on one connection (snapshot too large, inbound log
 * full). The other connections are not affected; see the message for the limit and its value.
 */
public final class LimitExceededException extends IOException {
    public LimitExceededException(String message) {
        super(message);
    }
}
