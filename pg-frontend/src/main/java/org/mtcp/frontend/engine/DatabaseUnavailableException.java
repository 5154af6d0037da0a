package org.mtcp.frontend.engine;

/**
 * The database can't be reached, or the connection to it broke and could not be re-established;
 * {@link #seq()} is the batch position it happened at, when a batch was running (else 0).
 */
public final class DatabaseUnavailableException extends Exception {

    private final int seq;
    private final boolean movable;

    public DatabaseUnavailableException(String message, Throwable cause) {
        this(message, cause, 0, true);
    }

    private DatabaseUnavailableException(String message, Throwable cause, int seq, boolean movable) {
        super(message, cause);
        this.seq = seq;
        this.movable = movable;
    }

    /**
     * The database is reachable but lost outcomes this front-end already sent (an asynchronous
     * standby promoted): another front-end could not do better, and would resume from a snapshot
     * the lost lines may postdate, so the response ends here, not after a move.
     */
    static DatabaseUnavailableException outcomesLost(String message) {
        return new DatabaseUnavailableException(message, null, 0, false);
    }

    public int seq() {
        return seq;
    }

    /** Whether another front-end may get further (a move to it is worth asking for). */
    public boolean movable() {
        return movable;
    }

    /** The same failure, placed at batch position {@code seq} (kept if already placed). */
    DatabaseUnavailableException at(int seq) {
        return this.seq > 0 ? this : new DatabaseUnavailableException(getMessage(), getCause(), seq, movable);
    }
}
