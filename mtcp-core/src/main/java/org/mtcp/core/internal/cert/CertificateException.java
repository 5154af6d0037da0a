package org.mtcp.core.internal.cert;

import java.io.IOException;
import org.mtcp.core.internal.wire.ResetCode;

/** A certificate was refused; {@link #code()} says why, for the RESET sent to the client. */
public final class CertificateException extends IOException {

    private final ResetCode code;

    public CertificateException(ResetCode code, String message) {
        super(message);
        this.code = code;
    }

    public ResetCode code() {
        return code;
    }
}
