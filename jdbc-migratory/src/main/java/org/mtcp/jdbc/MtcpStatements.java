package org.mtcp.jdbc;

/**
 * The mtcp SQL API's statements, in one place (like a protocol's messages). Every value travels as
 * a bind parameter; transaction ids as text through {@code mtcp.tid}, which parses them strictly ({@code xid8} has no JDBC type), timeouts as seconds.
 */
final class MtcpStatements {

    static final String API_VERSION = "SELECT mtcp.api_version()";
    static final String OPEN_SESSION = "SELECT session, epoch FROM mtcp.open_session()";
    static final String BEGIN = "SELECT mtcp.begin(?, ?)::text";
    static final String CURRENT_TID = "SELECT mtcp.current_tid()::text";
    static final String RECONNECT = "SELECT epoch, outcome FROM mtcp.reconnect(?, mtcp.tid(?), make_interval(secs => ?))";
    static final String OUTCOME = "SELECT mtcp.outcome(mtcp.tid(?))";
    static final String CLOSE_SESSION = "SELECT mtcp.close_session(?, ?)";

    /** The API version this driver speaks (the extension's {@code default_version}). */
    static final String SUPPORTED_API_VERSION = "0.1";

    private MtcpStatements() {
    }
}
