package org.mtcp.jdbc;

import java.sql.SQLException;

/** The outcome of a transaction as mtcp reports it. */
public enum Outcome {
    /** It committed. */
    COMMITTED("committed"),
    /** It aborted: rolled back, failed, or forced to abort by a takeover. */
    ABORTED("aborted"),
    /** It is still running (only {@link MigratoryConnection#outcome}; a takeover never answers this). */
    IN_PROGRESS("in progress"),
    /** Older than both PostgreSQL's commit log and mtcp's log horizon (see {@code mtcp.prune}). */
    UNKNOWN("unknown");

    private final String sql;

    Outcome(String sql) {
        this.sql = sql;
    }

    /** The word the SQL API uses. */
    public String sql() {
        return sql;
    }

    /** Whether this is a final outcome. */
    public boolean isDefinite() {
        return this == COMMITTED || this == ABORTED;
    }

    /** Maps the SQL API's word. */
    public static Outcome fromSql(String word) throws SQLException {
        for (Outcome o : values()) {
            if (o.sql.equals(word)) {
                return o;
            }
        }
        throw new SQLException("unexpected outcome from the mtcp API: " + word, "XX000");
    }
}
