package org.mtcp.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * Transaction state as pgjdbc tracks it (from the server's ReadyForQuery status), reached through
 * pool proxies with {@code unwrap}.
 */
final class Transactions {

    /** SQLSTATE in_failed_sql_transaction. */
    static final String IN_FAILED_TRANSACTION = "25P02";
    /** SQLSTATE active_sql_transaction. */
    static final String ACTIVE_TRANSACTION = "25001";

    private Transactions() {
    }

    /** pgjdbc's view of the connection's transaction: IDLE, OPEN or FAILED. */
    static TransactionState state(Connection c) throws SQLException {
        return c.unwrap(BaseConnection.class).getTransactionState();
    }

    /**
     * Commits, unless a statement of the transaction failed: then rolls back and throws, where
     * PostgreSQL would have answered the COMMIT with a silent ROLLBACK.
     */
    static void commitOrFail(Connection c) throws SQLException {
        if (state(c) == TransactionState.FAILED) {
            c.rollback();
            throw new SQLException("the transaction failed earlier and was rolled back: it cannot commit", IN_FAILED_TRANSACTION);
        }
        c.commit();
    }
}
