package org.mtcp.core.internal.client;

import java.io.IOException;
import org.mtcp.core.internal.wire.ResetCode;

/** A server answered HELLO with RESET: the code, its message and maybe the current holder. */
final class RefusedException extends IOException {

    final ResetCode code;
    final String hint;

    RefusedException(ResetCode code, String message, String hint) {
        super(code.label() + ": " + message);
        this.code = code;
        this.hint = hint;
    }
}
