package org.mtcp.cli.proxy;

/**
 * Watches the requests of one relayed connection for the one thing {@link HttpResponseFraming}
 * cannot see in the responses: a {@code HEAD} request, whose response announces a length but
 * carries no body. {@link #feed} is true once a request begins with {@code HEAD }; a request is
 * taken to begin at the start of the stream and after each empty line (the end of a head). A
 * request after a body is not looked at; a body that begins with {@code HEAD } is taken for a
 * request: the proxy then only gives up the framing, which is always safe.
 */
final class HttpRequestWatch {

    private static final String HEAD = "HEAD ";

    private int matched;          // bytes of "HEAD " matched at a request start; -1: not at a start
    private int lineLength;       // bytes on the current line, CR excluded
    private boolean seen;

    /** Consumes {@code n} request bytes; true once a {@code HEAD} request was seen. */
    boolean feed(byte[] bytes, int offset, int n) {
        for (int i = offset; i < offset + n && !seen; i++) {
            byte b = bytes[i];
            if (matched >= 0) {
                if (b == HEAD.charAt(matched)) {
                    if (++matched == HEAD.length()) {
                        seen = true;
                    }
                } else if (!(matched == 0 && (b == '\r' || b == '\n'))) {
                    matched = -1;
                }
            }
            if (b == '\n') {
                if (lineLength == 0) {
                    matched = 0;                  // an empty line: the next request may start here
                }
                lineLength = 0;
            } else if (b != '\r') {
                lineLength++;
            }
        }
        return seen;
    }
}
