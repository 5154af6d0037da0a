package org.mtcp.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.postgresql.core.TransactionState;

/**
 * A transaction of a session, begun by {@link MigratoryConnection#begin}: its id ({@link #id()},
 * the paper's gettxnID) is what the front-end records in the snapshot it exports just before
 * {@link #commit()}.
 *
 * <p>Closing it without committing rolls it back. Either way the connection's auto-commit mode is
 * restored. Not thread-safe, like the connection.
 */
public final class MtcpTransaction implements AutoCloseable {

    private final Connection connection;
    private final Session session;
    private final TxId id;
    private final boolean restoreAutoCommit;
    private boolean open = true;

    MtcpTransaction(Connection connection, Session session, TxId id, boolean restoreAutoCommit) {
        this.connection = connection;
        this.session = session;
        this.id = id;
        this.restoreAutoCommit = restoreAutoCommit;
    }

    /** The transaction's id (xid8). */
    public TxId id() {
        return id;
    }

    /** The session and epoch it runs for. */
    public Session session() {
        return session;
    }

    /** The connection it runs on, for the transaction's own statements. */
    public Connection connection() {
        return connection;
    }

    /** Whether neither commit nor rollback has been called. */
    public boolean isOpen() {
        return open;
    }

    /**
     * Commits. Fails (and rolls back) if a statement of the transaction failed, rather than letting
     * PostgreSQL turn the COMMIT into a silent ROLLBACK. A failure here after a takeover means the
     * transaction was forced to abort: the front-end should stop serving the session.
     */
    public void commit() throws SQLException {
        requireOpen();
        open = false;
        SQLException failure = null;
        try {
            Transactions.commitOrFail(connection);
        } catch (SQLException e) {
            failure = e;
        }
        restore(failure);
    }

    /** Sets the parameters of a statement. */
    @FunctionalInterface
    public interface Parameters {
        void set(PreparedStatement statement) throws SQLException;
    }

    /**
     * Runs {@code lastStatement} (with {@code parameters}) and commits, in one round trip to the
     * server: pgjdbc sends {@code lastStatement; COMMIT} as one message, so the transaction's last
     * write costs no round trip of its own. If {@code lastStatement} fails, COMMIT does not run and
     * the transaction is rolled back; as {@link #commit()}, a transaction in which a statement
     * failed earlier is rolled back instead of committed. Either way the failure is thrown, with
     * the SQLSTATE of the statement or of COMMIT; which of the two failed is not told apart, so
     * treat a failure like a failed COMMIT (the outcome may be unknown when the connection broke).
     */
    public void commitAfter(String lastStatement, Parameters parameters) throws SQLException {
        requireOpen();
        open = false;
        SQLException failure = null;
        try {
            if (Transactions.state(connection) == TransactionState.FAILED) {
                connection.rollback();
                throw new SQLException("the transaction failed earlier and was rolled back: it cannot commit",
                        Transactions.IN_FAILED_TRANSACTION);
            }
            try (PreparedStatement ps = connection.prepareStatement(lastStatement + ";\nCOMMIT")) {
                parameters.set(ps);
                ps.execute();
            }
            if (Transactions.state(connection) != TransactionState.IDLE) {
                // lastStatement itself ended the transaction's block in some other way: do not guess
                connection.rollback();
                throw new SQLException("the transaction is still open after " + lastStatement + "; COMMIT", "25000");
            }
        } catch (SQLException e) {
            failure = e;
            try {
                if (!connection.isClosed() && Transactions.state(connection) != TransactionState.IDLE) {
                    connection.rollback();
                }
            } catch (SQLException rollback) {
                failure.addSuppressed(rollback);
            }
        }
        restore(failure);
    }

    /** Rolls back. */
    public void rollback() throws SQLException {
        requireOpen();
        open = false;
        SQLException failure = null;
        try {
            connection.rollback();
        } catch (SQLException e) {
            failure = e;
        }
        restore(failure);
    }

    /** Rolls back if still open. */
    @Override
    public void close() throws SQLException {
        if (open) {
            rollback();
        }
    }

    private void requireOpen() throws SQLException {
        if (!open) {
            throw new SQLException("transaction " + id + " has ended already", "25000");
        }
    }

    /** Puts auto-commit back; a failure of the transaction itself takes precedence. */
    private void restore(SQLException failure) throws SQLException {
        if (restoreAutoCommit) {
            try {
                if (!connection.isClosed()) {
                    connection.setAutoCommit(true);
                }
            } catch (SQLException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "MtcpTransaction[" + id + " of session " + session.id() + " at epoch " + session.epoch() + (open ? "" : ", ended") + "]";
    }
}
