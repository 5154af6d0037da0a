package org.mtcp.proxy;

import java.io.IOException;
import org.mtcp.http.HttpMessageParser;
import org.mtcp.http.HttpParseException;

/**
 * Watches the requests of one relayed connection, through the project's HTTP codec: where each
 * request ends ({@link #feed} returns how many ended in the bytes given, so that the response time
 * is measured from the end of a request, not from its first byte: a slow client is not a slow
 * server), and what the response framing ({@link org.mtcp.http.ResponseStreamFraming}) cannot see
 * in the responses: a {@code HEAD} request, whose response announces a length but carries no
 * body. {@link #givenUp()} is true once the framing must be given up: a request is a HEAD, or the
 * requests are not HTTP/1.x the codec can follow (then the responses cannot be trusted to be
 * either). Giving the framing up is always safe; the bytes pass unchanged either way.
 */
final class HttpRequestWatch {

    /** Larger than any server in the pool accepts: the server, not the proxy, refuses big heads. */
    private static final int MAX_HEAD_SIZE = 256 * 1024;

    private final HttpMessageParser requests = HttpMessageParser.forRequests(MAX_HEAD_SIZE);
    private boolean givenUp;

    /**
     * Consumes {@code n} request bytes; returns how many requests ended in them (0 once
     * {@link #givenUp()}: nothing is counted any more).
     */
    int feed(byte[] bytes, int offset, int n) {
        int ended = 0;
        int i = offset;
        int end = offset + n;
        try {
            while (i < end && !givenUp) {
                int start = i;
                i += requests.feed(bytes, i, end - i);
                if (requests.phase() == HttpMessageParser.Phase.BODY) {
                    if (requests.request().method().equals("HEAD")) {
                        givenUp = true;
                        break;
                    }
                    i += requests.feed(bytes, i, end - i);
                }
                if (requests.isComplete()) {
                    ended++;
                    requests.reset();
                } else if (i == start) {
                    break;                       // all fed: the parser waits for more
                }
            }
        } catch (HttpParseException | IOException e) {
            givenUp = true;   // not HTTP/1.x the codec follows: the framing is given up, the bytes still pass
        }
        return givenUp ? 0 : ended;
    }

    /** True once the framing must be given up (a HEAD request, or requests the codec cannot follow). */
    boolean givenUp() {
        return givenUp;
    }
}
