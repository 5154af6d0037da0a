package org.mtcp.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.postgresql.core.TransactionState;

/**
 * The calls of {@link MigratoryConnection}, executed on a given connection (the pool's proxy when
 * there is one, so that the pool sees every statement). Stateless.
 */
final class MtcpApi {

    private MtcpApi() {
    }

    static Session openSession(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MtcpStatements.OPEN_SESSION); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Session(rs.getLong(1), rs.getLong(2));
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** mtcp.begin, then {@code alsoRun} (may be null) in the same round trip. */
    static MtcpTransaction begin(Connection c, Session session, String alsoRun) throws SQLException {
        Objects.requireNonNull(session, "session");
        boolean wasAutoCommit = c.getAutoCommit();
        if (wasAutoCommit) {
            c.setAutoCommit(false);
        }
        try (PreparedStatement ps = c.prepareStatement(alsoRun == null ? MtcpStatements.BEGIN
                : MtcpStatements.BEGIN + ";\n" + alsoRun)) {
            ps.setLong(1, session.id());
            ps.setLong(2, session.epoch());
            // execute, not executeQuery: with alsoRun there are two results, mtcp.begin's row first
            ps.execute();
            try (ResultSet rs = ps.getResultSet()) {
                rs.next();
                return new MtcpTransaction(c, session, TxId.parse(rs.getString(1)), wasAutoCommit);
            }
        } catch (SQLException e) {
            SQLException failure = translate(e);
            try {
                c.rollback();
                if (wasAutoCommit) {
                    c.setAutoCommit(true);
                }
            } catch (SQLException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
    }

    static Optional<TxId> gettxnID(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MtcpStatements.CURRENT_TID); ResultSet rs = ps.executeQuery()) {
            rs.next();
            String tid = rs.getString(1);
            return tid == null ? Optional.empty() : Optional.of(TxId.parse(tid));
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    static Takeover reconnect(Connection c, long sessionId, TxId tid, Duration timeout) throws SQLException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        return ownTransaction(c, () -> {
            try (PreparedStatement ps = c.prepareStatement(MtcpStatements.RECONNECT)) {
                ps.setLong(1, sessionId);
                if (tid == null) {
                    ps.setNull(2, Types.VARCHAR);
                } else {
                    ps.setString(2, tid.toString());
                }
                ps.setDouble(3, timeout.getSeconds() + timeout.getNano() / 1e9);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    Session session = new Session(sessionId, rs.getLong(1));
                    String outcome = rs.getString(2);
                    return new Takeover(session, outcome == null ? null : Outcome.fromSql(outcome));
                }
            }
        });
    }

    static Outcome outcome(Connection c, TxId tid) throws SQLException {
        Objects.requireNonNull(tid, "tid");
        try (PreparedStatement ps = c.prepareStatement(MtcpStatements.OUTCOME)) {
            ps.setString(1, tid.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Outcome.fromSql(rs.getString(1));
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    static void closeSession(Connection c, Session session) throws SQLException {
        Objects.requireNonNull(session, "session");
        try (PreparedStatement ps = c.prepareStatement(MtcpStatements.CLOSE_SESSION)) {
            ps.setLong(1, session.id());
            ps.setLong(2, session.epoch());
            ps.execute();
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** The mtcp API version of the database, failing with instructions when there is none. */
    static String apiVersion(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MtcpStatements.API_VERSION); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new SQLException("the database has no usable mtcp API (" + e.getMessage().lines().findFirst().orElse("")
                    + "): install it (CREATE EXTENSION mtcp, or the Flyway migration of mtcp-sql) and grant it to this role"
                    + " (SELECT mtcp.grant_frontend('role')); see docs/database.md", e.getSQLState(), e);
        }
    }

    /** Whether {@code version} (e.g. "0.2") is at least the version this driver speaks. */
    static boolean supports(String version) {
        return MtcpApiVersion.isSupported(version);
    }

    private interface Call<T> {
        T run() throws SQLException;
    }

    /** Runs {@code call} as a transaction of its own: in auto-commit mode, or committed right away when none is open. */
    private static <T> T ownTransaction(Connection c, Call<T> call) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        if (!autoCommit && Transactions.state(c) != TransactionState.IDLE) {
            throw new SQLException("reconnect runs as a transaction of its own, but this connection is inside one:"
                    + " commit or roll it back first (or use auto-commit)", Transactions.ACTIVE_TRANSACTION);
        }
        try {
            T result = call.run();
            if (!autoCommit) {
                c.commit();
            }
            return result;
        } catch (SQLException e) {
            if (!autoCommit) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
            }
            throw translate(e);
        }
    }

    /** The fencing error becomes its own type; the rest keep pgjdbc's exception and SQLSTATE. */
    static SQLException translate(SQLException e) {
        if (MtcpSqlState.FENCED.equals(e.getSQLState()) && !(e instanceof FencedException)) {
            return new FencedException(e);
        }
        return e;
    }
}
