package org.mtcp.testkit.pg;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * What other backends are doing, from {@code pg_stat_activity}: lets a test wait until a backend
 * is blocked on a lock or gone, rather than sleeping. The observer connection should belong to the
 * administrative role (other roles' rows are partly hidden).
 */
public final class Backends {

    private Backends() {
    }

    /** The backend process id of {@code connection}. */
    public static int pid(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Whether backend {@code pid} is waiting for a heavyweight lock (a row, a transaction, an advisory lock). */
    public static boolean isWaitingForLock(Connection observer, int pid) throws SQLException {
        try (PreparedStatement ps = observer.prepareStatement(
                "SELECT wait_event_type = 'Lock' FROM pg_catalog.pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Whether backend {@code pid} has exited. */
    public static boolean isGone(Connection observer, int pid) throws SQLException {
        try (PreparedStatement ps = observer.prepareStatement("SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                return !rs.next();
            }
        }
    }

    /** Waits until backend {@code pid} waits for a lock. */
    public static void awaitWaitingForLock(Connection observer, int pid, Duration timeout) throws Exception {
        await("backend " + pid + " waits for a lock").atMost(timeout)
                .until(() -> isWaitingForLock(observer, pid));
    }

    /** Waits until backend {@code pid} has exited. */
    public static void awaitGone(Connection observer, int pid, Duration timeout) throws Exception {
        await("backend " + pid + " has exited").atMost(timeout).until(() -> isGone(observer, pid));
    }
}
