package org.mtcp.frontend.engine;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.mtcp.jdbc.MigratoryConnection;
import org.mtcp.jdbc.MtcpSqlState;
import org.mtcp.jdbc.MtcpTransaction;
import org.mtcp.jdbc.TxId;

/**
 * The calls of the database's {@code mtcp} API the engine uses (docs/database.md), through
 * jdbc-migratory: open a session, begin a transaction in it (gettxnID, with the epoch check that
 * fences an old front-end). The takeover ({@code mtcp.reconnect}) is called here directly
 * because the engine needs it <em>inside</em> its own transaction, atomically with the batch's
 * ownership check ({@link BatchStore#takeOver}), while jdbc-migratory's
 * {@code MigratoryConnection.reconnect} runs as a transaction of its own.
 */
final class MtcpSql {

    static final String FENCED = MtcpSqlState.FENCED;
    static final String NOT_THE_PRIMARY = MtcpSqlState.NOT_THE_PRIMARY;

    private MtcpSql() {}

    record Session(long id, long epoch) {}

    record Reconnected(long epoch, String outcome) {}

    static Session openSession(Connection c) throws SQLException {
        org.mtcp.jdbc.Session s = MigratoryConnection.of(c).openSession();
        return new Session(s.id(), s.epoch());
    }

    /**
     * First statement of every transaction (turns auto-commit off): returns the transaction;
     * {@link SessionTakenOverException} when the session moved on.
     */
    static MtcpTransaction begin(Connection c, long session, long epoch) throws SQLException, SessionTakenOverException {
        return begin(c, session, epoch, null);
    }

    /** As above, with {@code alsoRun} (e.g. a SAVEPOINT) in the same round trip; null for none. */
    static MtcpTransaction begin(Connection c, long session, long epoch, String alsoRun)
            throws SQLException, SessionTakenOverException {
        try {
            org.mtcp.jdbc.Session s = new org.mtcp.jdbc.Session(session, epoch);
            MigratoryConnection m = MigratoryConnection.of(c);
            return alsoRun == null ? m.begin(s) : m.begin(s, alsoRun);
        } catch (org.mtcp.jdbc.FencedException e) {
            throw new SessionTakenOverException("session " + session + " was taken over", e);
        }
    }

    /**
     * Takes {@code session} over; with a tid, also its definite outcome, also for a tid of an
     * older timeline (a snapshot taken before the database's failover). A bare tid (a snapshot of
     * a front-end of mtcp 0.1) is the database's current timeline's transaction.
     */
    static Reconnected reconnect(Connection c, long session, TxId tid, Duration timeout) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT epoch, outcome FROM mtcp.reconnect(?, ?::text, make_interval(secs => ?))")) {
            st.setLong(1, session);
            if (tid == null) {
                st.setNull(2, java.sql.Types.VARCHAR);
            } else {
                st.setString(2, tid.toString());
            }
            st.setDouble(3, timeout.toMillis() / 1000.0);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new Reconnected(rs.getLong(1), rs.getString(2));
            }
        }
    }

    /** {@code mtcp.timeline()}: the timeline this primary writes on ({@code MT008} on a standby). */
    static long timeline(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT mtcp.timeline()"); ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String apiVersion(Connection c) throws SQLException {
        try (CallableStatement st = c.prepareCall("SELECT mtcp.api_version()");
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }
}
