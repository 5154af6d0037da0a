package org.mtcp.frontend.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Supplier;
import org.mtcp.core.MigratedException;
import org.mtcp.frontend.batch.Lines;
import org.mtcp.frontend.batch.Transaction;
import org.mtcp.frontend.metrics.Metrics;
import org.mtcp.frontend.ops.OperationFailure;
import org.mtcp.frontend.ops.TxContext;
import org.mtcp.jdbc.MtcpTransaction;
import org.mtcp.jdbc.TxId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One transaction of a batch with the paper's Figure 9 discipline ({@link BatchEngine} says which
 * and in what order): begin under the session's epoch, the operation, the snapshot inside the
 * transaction, then the outcome record and COMMIT in one round trip; retried
 * on a lost connection or a failed COMMIT, whose outcome is asked for as a resuming front-end would.
 */
final class TransactionRunner {

    /** The engine's logger: its log lines stay where operators look for them. */
    private static final Logger LOG = LoggerFactory.getLogger(BatchEngine.class);
    private static final int ATTEMPTS = 3;

    private final BatchStore store;
    private final String frontend;
    private final Duration reconnectTimeout;
    private final Metrics metrics;
    private final Supplier<Hooks> hooks;

    TransactionRunner(BatchStore store, String frontend, Duration reconnectTimeout, Metrics metrics, Supplier<Hooks> hooks) {
        this.store = store;
        this.frontend = frontend;
        this.reconnectTimeout = reconnectTimeout;
        this.metrics = metrics;
        this.hooks = hooks;
    }

    /** A transaction's line, the session's epoch after it, and its outcome. */
    record Executed(String line, long epoch, boolean committed) {}

    private void hook(Hooks.Point point, String batch, int seq, org.mtcp.core.MtcpServerConnection connection)
            throws IOException {
        hooks.get().at(point, frontend, batch, seq, connection);
    }

    /** An operation's failure that its transaction records alone: its code and message. */
    private record Failure(String code, String message) {
        static Failure of(SQLException e) {
            return new Failure(e.getSQLState() == null ? "sql_error" : e.getSQLState(), e.getMessage());
        }
    }

    /**
     * Figure 9 for one transaction, retried on a lost connection or a failed COMMIT.
     *
     * <p>No savepoint: an operation that fails takes its whole transaction down with it, and its
     * {@code aborted} outcome is recorded by a transaction of its own (begin, snapshot, record,
     * COMMIT). Until that one commits, the last snapshot still says this transfer has not run,
     * so a front-end resuming in between runs it again, once. A transient failure (deadlock,
     * serialization failure) runs the whole transaction again, with a fresh snapshot of the
     * database, which is what PostgreSQL asks for (retrying under a savepoint kept the
     * transaction's snapshot: at REPEATABLE READ a serialization failure could only recur).
     */
    Executed run(BatchEngine.Batch batch, long epoch, int seq, ResponseSink sink, SnapshotExporter exporter,
            long ordinal, boolean closeAfter) throws IOException, SessionTakenOverException, SQLException, DatabaseUnavailableException {
        Transaction tx = batch.request().transactions().get(seq - 1);
        Failure failure = null;       // set once the operation failed for good: the next transaction records it
        int runs = 0;                 // executions of the operation (transient failures run it again)
        for (int attempt = 1; ; ) {
            long t0 = System.nanoTime();
            TxId tid = null;
            String line;
            boolean committed;
            Connection c = store.dataSource().getConnection();
            MtcpTransaction mtx = null;
            try {
                try {
                    // txnBEGIN and gettxnID: one round trip
                    mtx = begin(c, batch.session(), epoch);
                    tid = mtx.id();
                    long before = batch.timeline().get();
                    if (before > 0 && tid.timeline() > before) {
                        requireSentLinesRecorded(c, batch, seq);   // once it passed: a retry checks again
                    }
                    batch.timeline().set(tid.timeline());
                    JsonNode result = null;
                    if (failure == null) {
                        try {
                            runs++;
                            result = tx.op().execute(context(c, batch.id(), seq), tx.args());
                        } catch (OperationFailure f) {
                            failure = new Failure(f.code(), f.getMessage());
                        } catch (SQLException e) {
                            if (isConnectionLost(e)) {
                                throw e;
                            }
                            if (isTransient(e) && runs <= ATTEMPTS) {
                                metrics.transactionRetried();
                            } else {
                                failure = Failure.of(e);
                            }
                            rollbackQuietly(c);
                            continue;         // run it again, or record its failure, in a new transaction
                        }
                        if (failure != null) {
                            rollbackQuietly(c);
                            continue;         // its writes are gone with the transaction; record the failure alone
                        }
                    }
                    committed = failure == null;
                    line = committed ? Lines.committed(seq, tid, result, frontend)
                            : Lines.aborted(seq, tid, failure.code(), failure.message(), frontend);
                hook(Hooks.Point.BEFORE_SNAPSHOT, batch.id(), seq, exporter.connection());
                    // Figure 9: the snapshot, inside the transaction, just before its final query.
                    exporter.export(new Snapshot.InBatch(ordinal, closeAfter, batch.id(), batch.session(), seq, tid, sink.lines()));
                    hook(Hooks.Point.BEFORE_COMMIT, batch.id(), seq, exporter.connection());
                } catch (MigratedException e) {
                    rollbackQuietly(c);
                    metrics.emigrated();
                    throw e;
                } catch (SessionTakenOverException e) {
                    rollbackQuietly(c);
                    throw e;
                } catch (SQLException e) {
                    rollbackQuietly(c);
                    if (!isConnectionLost(e)) {
                        throw e;
                    }
                    // Terminated by a takeover, or a dead pooled connection, or the database is down,
                    // or the server is no longer the primary (a switchover, an old primary).
                    if (isNotThePrimary(e)) {
                        LOG.warn("{}: batch {} seq {}: the server is not the primary ({} {}); trying again on another connection",
                                frontend, batch.id(), seq, e.getSQLState(), e.getMessage());
                    }
                    connectionLost();
                    if (fenced(batch.session(), epoch)) {
                        throw new SessionTakenOverException("this front-end's transaction was terminated by a takeover", e);
                    }
                    if (attempt++ >= ATTEMPTS) {
                        throw e;
                    }
                    metrics.transactionRetried();
                    continue;
                }
                try {
                    // The final query: the outcome record (its line included) and COMMIT, in one
                    // round trip, so the record commits iff the transaction does.
                    String outcome = committed ? "committed" : "aborted";
                    TxId recordTid = tid;
                    String recordLine = line;
                    boundCommit(c);
                    mtx.commitAfter(BatchStore.RECORD,
                            st -> BatchStore.bindRecord(st, batch.id(), seq, recordTid, outcome, frontend, recordLine));
                } catch (SQLException e) {
                    if (isConnectionLost(e)) {
                        connectionLost();
                    }
                    if (MtcpSql.FENCED.equals(e.getSQLState()) || fenced(batch.session(), epoch)) {
                        throw new SessionTakenOverException("COMMIT interrupted by a takeover", e);
                    }
                    // The outcome of COMMIT is unknown here: ask the database, as a resuming front-end would.
                    LOG.warn("{}: COMMIT of batch {} seq {} failed ({}); asking for its outcome", frontend, batch.id(), seq, e.toString());
                    MtcpSql.Reconnected r = reconnectWithRetries(batch, tid);
                    epoch = r.epoch();
                    metrics.outcomeLookedUp();
                    if ("committed".equals(r.outcome())) {
                        countOutcome(committed, t0);
                        return new Executed(line, epoch, committed);
                    }
                    if (attempt >= ATTEMPTS) {
                        throw new DatabaseUnavailableException("COMMIT of batch " + batch.id() + " seq " + seq
                                + " failed " + attempt + " times: " + e.getMessage(), e);
                    }
                    attempt++;
                    metrics.transactionRetried();
                    continue;
                }
                countOutcome(committed, t0);
                hook(Hooks.Point.AFTER_COMMIT, batch.id(), seq, exporter.connection());
                return new Executed(line, epoch, committed);
            } finally {
                closeQuietly(c);
            }
        }
    }

    /**
     * A connection broke: the pool's others may lead to the same dead server (a crashed primary),
     * and each would fail one attempt of the probes and retries that follow ({@link
     * DatabaseGate#connectionLost}).
     */
    private void connectionLost() {
        if (store.dataSource() instanceof DatabaseGate gate) {
            gate.connectionLost();
        }
    }

    /**
     * The database was promoted since the batch's previous transaction: the lines sent so far (1
     * to {@code seq - 1}) must be recorded on the new primary. With a synchronous standby they
     * are; with an asynchronous one, those sent in its lag are lost with the old primary (their
     * transactions too), and going on would leave the client's lines untrue of the database and a
     * re-post answering them differently. The batch stops with the error, naming them, instead.
     */
    private void requireSentLinesRecorded(Connection c, BatchEngine.Batch batch, int seq)
            throws SQLException, DatabaseUnavailableException {
        if (seq <= 1) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement("SELECT count(o.seq), min(g) FILTER (WHERE o.seq IS NULL)"
                + " FROM generate_series(1, ?) g LEFT JOIN frontend.outcome o ON o.batch = ? AND o.seq = g")) {
            st.setInt(1, seq - 1);
            st.setString(2, batch.id());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                int recorded = rs.getInt(1);
                if (recorded < seq - 1) {
                    rollbackQuietly(c);
                    metrics.databaseError();
                    throw DatabaseUnavailableException.outcomesLost("the promoted database lacks " + (seq - 1 - recorded)
                            + " outcome(s) of this batch already sent, from seq " + rs.getInt(2) + " (a standby that was"
                            + " not synchronous lost them with the old primary): the batch stops here; a re-post runs them"
                            + " again");
                }
            }
        }
    }

    /**
     * Bounds the COMMIT's round trip by {@link DatabaseGate#commitTimeout} (the pool resets the
     * connection's network timeout when it is returned). The operation before it is not bounded:
     * a long statement of the application's is legitimate.
     */
    private void boundCommit(Connection c) throws SQLException {
        if (store.dataSource() instanceof DatabaseGate gate && !gate.commitTimeout().isZero()) {
            c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, gate.commitTimeout().toMillis()));
        }
    }

    /**
     * Whether the session moved past {@code epoch} (another front-end took it over): a probe
     * transaction that only calls {@code mtcp.begin} and rolls back.
     */
    private boolean fenced(long session, long epoch) throws SQLException {
        return BatchStore.retrying(() -> {
            try (Connection c = store.dataSource().getConnection()) {
                try (MtcpTransaction probe = begin(c, session, epoch)) {
                    return false;                         // closing it rolls back
                } catch (SessionTakenOverException f) {
                    return true;
                }
            }
        });
    }

    /**
     * {@code mtcp.begin} on {@code c}, refusing an old primary ({@link DatabaseGate#requireNewest}):
     * a transaction there would commit into a history the promoted database never sees, and its
     * fence (the session's epoch there) knows nothing of the takeovers made on the new primary, so
     * neither its transaction nor its "taken over" is believed. Both become {@code MT008}, a lost
     * connection to the engine.
     */
    private MtcpTransaction begin(Connection c, long session, long epoch) throws SQLException, SessionTakenOverException {
        DatabaseGate gate = store.dataSource() instanceof DatabaseGate g ? g : null;
        MtcpTransaction mtx;
        try {
            mtx = MtcpSql.begin(c, session, epoch);
        } catch (SessionTakenOverException e) {
            if (gate != null) {
                rollbackQuietly(c);
                gate.requireNewest(c, MtcpSql.timeline(c));   // MT008 when this server is behind
            }
            throw e;
        }
        if (gate != null && mtx.id().isQualified()) {
            try {
                gate.requireNewest(c, mtx.id().timeline());
            } catch (SQLException e) {
                rollbackQuietly(c);
                throw e;
            }
        }
        return mtx;
    }

    private void countOutcome(boolean committed, long t0) {
        metrics.transactionFinished(committed, System.nanoTime() - t0);
    }

    private MtcpSql.Reconnected reconnectWithRetries(BatchEngine.Batch batch, TxId tid)
            throws DatabaseUnavailableException, SessionTakenOverException {
        SQLException last = null;
        for (int i = 0; i < 5; i++) {
            try {
                return store.takeOver(batch.id(), batch.session(), tid, batch.claimant(), reconnectTimeout);
            } catch (SupersededException e) {
                throw new SessionTakenOverException(e.getMessage(), null);
            } catch (SQLException e) {
                last = e;
                if (store.dataSource() instanceof DatabaseGate gate && gate.status().state() == DatabaseGate.State.DOWN) {
                    break;   // the database is down: waiting here would only keep the client from an answer
                }
                try {
                    Thread.sleep(200L << i);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        metrics.databaseError();
        throw new DatabaseUnavailableException("cannot learn the outcome of transaction " + tid
                + ": " + (last == null ? "interrupted" : last.getMessage()), last);
    }

    private TxContext context(Connection c, String batchId, int seq) {
        return new TxContext() {
            @Override
            public Connection connection() {
                return c;
            }

            @Override
            public String batchId() {
                return batchId;
            }

            @Override
            public int seq() {
                return seq;
            }

            @Override
            public String frontend() {
                return frontend;
            }
        };
    }

    /** Deadlock or serialization failure: the operation may succeed if run again. */
    static boolean isTransient(SQLException e) {
        String s = e.getSQLState();
        return "40001".equals(s) || "40P01".equals(s);
    }

    /**
     * The connection broke or leads to a server that cannot serve the batch: 08xxx, 57Pxx
     * (terminated, shutting down), {@code MT008} (a standby, or an old primary behind the
     * batch's timeline) and 25006 (read-only: a server demoted by a switchover, or
     * {@code default_transaction_read_only}). Each is tried again on another connection, which
     * the pool makes to the primary.
     */
    static boolean isConnectionLost(SQLException e) {
        String s = e.getSQLState();
        return s == null || s.startsWith("08") || s.startsWith("57P") || MtcpSql.NOT_THE_PRIMARY.equals(s)
                || READ_ONLY.equals(s);
    }

    /** A server that answers but cannot serve the batch: a standby, an old primary, a read-only server. */
    static boolean isNotThePrimary(SQLException e) {
        return MtcpSql.NOT_THE_PRIMARY.equals(e.getSQLState()) || READ_ONLY.equals(e.getSQLState());
    }

    /** SQLSTATE read_only_sql_transaction. */
    static final String READ_ONLY = "25006";

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException ignored) {
            // the connection is broken or the transaction is over: nothing to undo here
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // pool bookkeeping only
        }
    }
}
