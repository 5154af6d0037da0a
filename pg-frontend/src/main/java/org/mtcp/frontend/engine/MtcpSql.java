package org.mtcp.frontend.engine;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The calls of the database's {@code mtcp} API the engine uses (docs/database.md): open a
 * session, begin a transaction in it (gettxnID, with the epoch check that fences an old front-end),
 * and reconnect (take the session over and learn the definite outcome of a transaction).
 */
final class MtcpSql {

    static final String FENCED = "MT001";

    private MtcpSql() {}

    record Session(long id, long epoch) {}

    record Reconnected(long epoch, String outcome) {}

    static Session openSession(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT session, epoch FROM mtcp.open_session()");
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return new Session(rs.getLong(1), rs.getLong(2));
        }
    }

    /** First statement of every transaction: returns its id; MT001 when the session moved on. */
    static long begin(Connection c, long session, long epoch) throws SQLException, FencedException {
        try (PreparedStatement st = c.prepareStatement("SELECT mtcp.begin(?, ?)::text")) {
            st.setLong(1, session);
            st.setLong(2, epoch);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return Long.parseUnsignedLong(rs.getString(1));
            }
        } catch (SQLException e) {
            if (FENCED.equals(e.getSQLState())) {
                throw new FencedException("session " + session + " was taken over", e);
            }
            throw e;
        }
    }

    /** Takes {@code session} over; with a tid, also its definite outcome. Runs in auto-commit mode. */
    static Reconnected reconnect(Connection c, long session, Long tid, Duration timeout) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT epoch, outcome FROM mtcp.reconnect(?, ?::text::xid8, make_interval(secs => ?))")) {
            st.setLong(1, session);
            if (tid == null) {
                st.setNull(2, java.sql.Types.VARCHAR);
            } else {
                st.setString(2, Long.toUnsignedString(tid));
            }
            st.setDouble(3, timeout.toMillis() / 1000.0);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new Reconnected(rs.getLong(1), rs.getString(2));
            }
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
