package org.mtcp.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;


/**
 * A PostgreSQL connection with the calls a migratory front-end needs (paper, section 6.4.1):
 * {@link #gettxnID()} and {@link #reconnect reconnectDB}, plus sessions and transactions.
 *
 * <p>Get one from the driver ({@code jdbc:migratory:postgresql://host/db}, see
 * {@link MigratoryDriver}), or wrap any pgjdbc connection, pooled ones included:
 * {@code MigratoryConnection.of(dataSource.getConnection())}. Wrapping keeps the pool's proxy in
 * charge: closing the wrapper returns the connection to the pool.
 *
 * <h2>The front-end's loop (transaction-level granularity, 6.3.2)</h2>
 * <pre>{@code
 * Session session = conn.openSession();                 // new client
 * try (MtcpTransaction tx = conn.begin(session)) {      // first statement: checks the epoch, fences
 *     ... the transaction's work ...
 *     snapshot.record(session.id(), tx.id(), position); // export the snapshot INSIDE the transaction
 *     tx.commit();                                      // the final query
 * }
 *
 * // another front-end, after a migration, with the imported snapshot:
 * Takeover t = conn.reconnect(sessionId, tid, Duration.ofSeconds(5));
 * send(t.outcome());                                    // committed or aborted, never a guess
 * session = t.session();                                // continue at position + 1 with the new epoch
 * }</pre>
 *
 * <p>Query-level granularity (6.3.1, SAVEPOINTs) is not offered: resuming inside a transaction
 * would need the old front-end's backend, and PostgreSQL cannot hand an open transaction to
 * another connection; see docs/database.md.
 *
 * <p>Errors: {@link FencedException} when the session was taken over; other SQLExceptions carry the
 * SQLSTATEs of {@link MtcpSqlState}.
 */
public interface MigratoryConnection extends Connection {

    /**
     * Wraps {@code connection} (a pgjdbc connection, possibly behind a pool's proxy), or returns it
     * if it already is a {@code MigratoryConnection}.
     *
     * @throws SQLException if it is not a PostgreSQL connection
     */
    static MigratoryConnection of(Connection connection) throws SQLException {
        if (connection instanceof MigratoryConnection m) {
            return m;
        }
        return MigratoryConnectionImpl.wrap(connection);
    }

    /** Opens a session; it starts at epoch 0. Runs in the current transaction, if there is one. */
    Session openSession() throws SQLException;

    /**
     * Begins a transaction of {@code session}: turns auto-commit off (restored when the transaction
     * ends) and calls {@code mtcp.begin}, which must be the transaction's first statement.
     *
     * @throws FencedException if the session was taken over (its epoch is no longer {@code session.epoch()})
     */
    MtcpTransaction begin(Session session) throws SQLException;

    /**
     * As {@link #begin(Session)}, and runs {@code alsoRun} right after {@code mtcp.begin}, in the
     * same round trip to the server (pgjdbc sends both, with the BEGIN, as one message):
     * a statement without parameters whose result is not needed, typically a {@code SAVEPOINT}.
     * If {@code mtcp.begin} fails, {@code alsoRun} does not run.
     *
     * @throws FencedException if the session was taken over
     */
    MtcpTransaction begin(Session session, String alsoRun) throws SQLException;

    /** gettxnID: the id {@code mtcp.begin} gave the current transaction; empty when it was not called. */
    Optional<TxId> gettxnID() throws SQLException;

    /**
     * reconnectDB: takes the session over (its epoch + 1) and returns the definite outcome of
     * {@code tid}, the transaction recorded in the snapshot. If {@code tid} is still running, waits
     * up to {@code timeout} for it, then terminates its backend (a forced abort); a later
     * transaction of the old front-end is aborted at once. Afterwards the old front-end can neither
     * begin nor commit for the session.
     *
     * <p>Runs as a transaction of its own: auto-commit on, or no transaction open.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    Takeover reconnect(long sessionId, TxId tid, Duration timeout) throws SQLException;

    /** Takes the session over without asking about a transaction (a snapshot without one). */
    Session takeOver(long sessionId) throws SQLException;

    /** The outcome of {@code tid} now: it may be {@link Outcome#IN_PROGRESS}; it does not fence. */
    Outcome outcome(TxId tid) throws SQLException;

    /** Closes the session: no transaction can begin for it any more. */
    void closeSession(Session session) throws SQLException;
}
