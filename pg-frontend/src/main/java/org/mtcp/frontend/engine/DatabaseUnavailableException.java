package org.mtcp.frontend.engine;

/**
 * The database can't be reached, or the connection to it broke and could not be re-established;
 * {@link #seq()} is the batch position it happened at, when a batch was running (else 0).
 */
public final class DatabaseUnavailableException extends Exception {

    private final int seq;

    public DatabaseUnavailableException(String message, Throwable cause) {
        this(message, cause, 0);
    }

    private DatabaseUnavailableException(String message, Throwable cause, int seq) {
        super(message, cause);
        this.seq = seq;
    }

    public int seq() {
        return seq;
    }

    /** The same failure, placed at batch position {@code seq} (kept if already placed). */
    DatabaseUnavailableException at(int seq) {
        return this.seq > 0 ? this : new DatabaseUnavailableException(getMessage(), getCause(), seq);
    }
}
