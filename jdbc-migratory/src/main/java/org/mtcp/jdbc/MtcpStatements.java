package org.mtcp.jdbc;

/**
 * The mtcp SQL API's statements, in one place (like a protocol's messages). Every value travels as
 * a bind parameter; transaction ids as their text {@code timeline:xid} ({@link TxId}), which the
 * text overloads of reconnect and outcome parse strictly; timeouts as seconds. The id of a
 * transaction is its server's timeline and the xid8 mtcp.begin returns, read in one statement.
 */
final class MtcpStatements {

    static final String API_VERSION = "SELECT mtcp.api_version()";
    static final String OPEN_SESSION = "SELECT session, epoch FROM mtcp.open_session()";
    static final String BEGIN = "SELECT mtcp.timeline() || ':' || mtcp.begin(?, ?)";
    static final String CURRENT_TID = "SELECT mtcp.timeline() || ':' || mtcp.current_tid()";
    static final String RECONNECT = "SELECT epoch, outcome FROM mtcp.reconnect(?, ?::text, make_interval(secs => ?))";
    static final String OUTCOME = "SELECT mtcp.outcome(?::text)";
    static final String CLOSE_SESSION = "SELECT mtcp.close_session(?, ?)";

    /** The API version this driver needs: 0.2 has mtcp.timeline. */
    static final String SUPPORTED_API_VERSION = MtcpApiVersion.REQUIRED;

    private MtcpStatements() {
    }
}
