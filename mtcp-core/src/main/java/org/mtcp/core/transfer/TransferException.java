package org.mtcp.core.transfer;

import java.io.IOException;

/** A state transfer failed; {@link #reason()} says how, {@link #hint()} may name a server. */
public final class TransferException extends IOException {

    public enum Reason {
        /** The connection left that epoch already (stale certificate or lost race). */
        MOVED,
        /** The holder does not know the connection. */
        UNKNOWN,
        /** The holder could not be reached or did not answer in time. */
        UNREACHABLE,
        /** The holder refused for another reason (closed connection, limits, authentication). */
        REFUSED
    }

    private final Reason reason;
    private final String hint;

    public TransferException(Reason reason, String message, String hint) {
        super(message);
        this.reason = reason;
        this.hint = hint == null ? "" : hint;
    }

    public TransferException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.hint = "";
    }

    public Reason reason() {
        return reason;
    }

    /** The server that holds the connection now, when known (MOVED); empty otherwise. */
    public String hint() {
        return hint;
    }
}
