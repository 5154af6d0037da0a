package org.mtcp.frontend.engine;

import java.sql.SQLException;

/**
 * The batch's session was taken over by another front-end (SQLSTATE MT001, or this front-end's
 * backend was terminated by a takeover): this front-end must stop serving the batch.
 */
public final class SessionTakenOverException extends Exception {
    public SessionTakenOverException(String message, SQLException cause) {
        super(message, cause);
    }
}
