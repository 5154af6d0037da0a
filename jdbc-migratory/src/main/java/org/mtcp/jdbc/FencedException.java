package org.mtcp.jdbc;

import java.sql.SQLException;

/**
 * The session was taken over by another front-end (SQLSTATE {@value MtcpSqlState#FENCED}): this
 * front-end holds a stale epoch and can neither begin nor commit a transaction for it. The paper's
 * front-end simply stops serving the client here; the new holder reports the outcomes.
 */
public final class FencedException extends SQLException {

    private static final long serialVersionUID = 1L;

    public FencedException(SQLException cause) {
        super(cause.getMessage(), MtcpSqlState.FENCED, cause);
    }
}
