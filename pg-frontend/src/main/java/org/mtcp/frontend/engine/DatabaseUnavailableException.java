package org.mtcp.frontend.engine;

/** The database can't be reached, or the connection to it broke and could not be re-established. */
public final class DatabaseUnavailableException extends Exception {
    public DatabaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
