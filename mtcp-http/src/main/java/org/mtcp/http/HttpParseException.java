package org.mtcp.http;

/**
 * A request or response that does not follow HTTP/1.1 (RFC 9112), or exceeds a limit. Carries
 * the status code a server answers with (400 for most malformed input).
 */
public final class HttpParseException extends Exception {

    private final int status;

    public HttpParseException(int status, String message) {
        super(message);
        this.status = status;
    }

    public HttpParseException(String message) {
        this(400, message);
    }

    /** The status a server should answer with: 400, 431 (head too large) or 505 (version). */
    public int status() {
        return status;
    }
}
