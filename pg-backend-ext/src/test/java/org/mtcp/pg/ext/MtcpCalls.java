package org.mtcp.pg.ext;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;

/**
 * The mtcp SQL API as the tests call it, one parameterized statement per function, with
 * transaction ids in their text form {@code timeline:xid} (mtcp 0.2), as a front-end holds them.
 * Shared with the sql module's tests.
 */
public final class MtcpCalls {

    /** A session at an epoch. */
    public record Session(long id, long epoch) {
        public Session at(long newEpoch) {
            return new Session(id, newEpoch);
        }
    }

    /** What reconnect returned: the new epoch and the outcome of the transaction asked about. */
    public record Takeover(long epoch, String outcome) {
    }

    public static final String COMMITTED = "committed";
    public static final String ABORTED = "aborted";
    public static final String IN_PROGRESS = "in progress";
    public static final String UNKNOWN = "unknown";

    private MtcpCalls() {
    }

    public static Session openSession(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT session, epoch FROM mtcp.open_session()");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Session(rs.getLong(1), rs.getLong(2));
        }
    }

    /** {@code mtcp.begin}: {@code c} must be in a transaction (auto-commit off). */
    public static String begin(Connection c, Session s) throws SQLException {
        return begin(c, s.id(), s.epoch());
    }

    public static String begin(Connection c, Long session, Long epoch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT mtcp.timeline() || ':' || mtcp.begin(?, ?)")) {
            setLong(ps, 1, session);
            setLong(ps, 2, epoch);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    public static String currentTid(Connection c) throws SQLException {
        return queryString(c, "SELECT mtcp.timeline() || ':' || mtcp.current_tid()");
    }

    /** The xid8 of a tid {@code timeline:xid} (a bare xid stays as it is). */
    public static String xid(String tid) {
        return tid.substring(tid.indexOf(':') + 1);
    }

    /** The timeline of a tid {@code timeline:xid}. */
    public static long timeline(String tid) {
        return Long.parseLong(tid.substring(0, tid.indexOf(':')));
    }

    public static Takeover reconnect(Connection c, long session, String tid, Duration timeout) throws SQLException {
        return reconnect(c, session, tid, timeout == null ? null : timeout.toNanos() / 1e9);
    }

    /** {@code mtcp.reconnect} with the timeout in seconds (negative and null allowed, to test refusals). */
    public static Takeover reconnect(Connection c, long session, String tid, Double timeoutSeconds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT epoch, outcome FROM mtcp.reconnect(?, ?::text, make_interval(secs => ?))")) {
            ps.setLong(1, session);
            ps.setString(2, tid);
            if (timeoutSeconds == null) {
                ps.setNull(3, Types.DOUBLE);
            } else {
                ps.setDouble(3, timeoutSeconds);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Takeover(rs.getLong(1), rs.getString(2));
            }
        }
    }

    public static String outcome(Connection c, String tid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT mtcp.outcome(?::text)")) {
            ps.setString(1, tid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** The mtcp 0.1 form: {@code mtcp.reconnect(bigint, xid8, interval)} with a bare xid8, through {@code mtcp.tid}. */
    public static Takeover reconnectXid8(Connection c, long session, String xid, Duration timeout) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT epoch, outcome FROM mtcp.reconnect(?, mtcp.tid(?), make_interval(secs => ?))")) {
            ps.setLong(1, session);
            ps.setString(2, xid);
            ps.setDouble(3, timeout.toNanos() / 1e9);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Takeover(rs.getLong(1), rs.getString(2));
            }
        }
    }

    /** The mtcp 0.1 form: {@code mtcp.outcome(xid8)} with a bare xid8. */
    public static String outcomeXid8(Connection c, String xid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT mtcp.outcome(mtcp.tid(?))")) {
            ps.setString(1, xid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    public static void closeSession(Connection c, Session s) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT mtcp.close_session(?, ?)")) {
            ps.setLong(1, s.id());
            ps.setLong(2, s.epoch());
            ps.execute();
        }
    }

    /** {@code mtcp.prune(keep)}: returns {log rows, sessions} deleted. */
    public static long[] prune(Connection c, Duration keep) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT log_rows, sessions FROM mtcp.prune(make_interval(secs => ?))")) {
            ps.setDouble(1, keep.toNanos() / 1e9);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    public static long epochOf(Connection admin, long session) throws SQLException {
        try (PreparedStatement ps = admin.prepareStatement("SELECT epoch FROM mtcp.session WHERE id = ?")) {
            ps.setLong(1, session);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    public static String queryString(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }
}
