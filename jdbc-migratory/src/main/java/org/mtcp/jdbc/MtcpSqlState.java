package org.mtcp.jdbc;

/**
 * The SQLSTATEs of the mtcp SQL API (class {@code MT}); see docs/database.md. PostgreSQL's own
 * codes are used for the rest: {@code 22004} (a null argument), {@code 22023} (a bad value such as
 * a negative timeout), {@code 42501} (missing grant).
 */
public final class MtcpSqlState {

    /** The session was taken over: the epoch is stale ({@link FencedException}). */
    public static final String FENCED = "MT001";
    /** No such session (never opened, or pruned). */
    public static final String UNKNOWN_SESSION = "MT002";
    /** The session was closed: no transaction can begin for it. */
    public static final String SESSION_CLOSED = "MT003";
    /** Not a transaction id that can be asked about: malformed, special, or of this timeline but not assigned yet. */
    public static final String INVALID_TRANSACTION_ID = "MT004";
    /** The transaction is not one of the session's (another session's, or it never called mtcp.begin). */
    public static final String NOT_THE_SESSIONS = "MT005";
    /** mtcp.begin was called twice in one transaction. */
    public static final String ALREADY_REGISTERED = "MT006";
    /** The takeover could not terminate the old holder (a missing grant) or not get the session. */
    public static final String TAKEOVER_FAILED = "MT007";
    /**
     * This server is not the primary of the transaction's history: a standby, or a server behind
     * the transaction's timeline (an old primary started again after a failover). Ask the current
     * primary.
     */
    public static final String NOT_THE_PRIMARY = "MT008";

    private MtcpSqlState() {
    }
}
