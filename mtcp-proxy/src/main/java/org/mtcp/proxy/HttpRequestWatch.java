package org.mtcp.proxy;

import java.io.IOException;
import org.mtcp.http.HttpMessageParser;
import org.mtcp.http.HttpParseException;

/**
 * Watches the requests of one relayed connection, through the project's HTTP codec, for what the
 * response framing ({@link org.mtcp.http.ResponseStreamFraming}) cannot see in the responses: a
 * {@code HEAD} request, whose response announces a length but carries no body. {@link #feed} is
 * true once the response framing must be given up: a request is a HEAD, or the requests are not
 * HTTP/1.x the codec can follow (then the responses cannot be trusted to be either). Giving the
 * framing up is always safe; the bytes pass unchanged either way.
 */
final class HttpRequestWatch {

    /** Larger than any server in the pool accepts: the server, not the proxy, refuses big heads. */
    private static final int MAX_HEAD_SIZE = 256 * 1024;

    private final HttpMessageParser requests = HttpMessageParser.forRequests(MAX_HEAD_SIZE);
    private boolean givenUp;

    /** Consumes {@code n} request bytes; true once the response framing must be given up. */
    boolean feed(byte[] bytes, int offset, int n) {
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
                    requests.reset();
                } else if (i == start) {
                    break;                       // all fed: the parser waits for more
                }
            }
        } catch (HttpParseException | IOException e) {
            givenUp = true;
        }
        return givenUp;
    }
}
