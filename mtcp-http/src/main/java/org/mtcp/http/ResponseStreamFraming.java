package org.mtcp.http;

import java.io.IOException;

/**
 * Follows the HTTP/1.1 responses of a relayed stream, only to tell where each one ends:
 * {@link #feed} returns how many final responses it completed. It reads the caller's bytes and
 * never changes one. Interim responses (1xx) are not counted; 204 and 304 have no body.
 *
 * <p>When a response cannot be delimited (its body ends with the connection, a {@code 101}
 * upgrade, a malformed head or chunk) the framing is {@link #lost()} for the rest of the stream.
 * So is a stream that does not begin as HTTP/1.x responses do, at its first byte that differs
 * from {@code HTTP/1.}: a binary protocol may send no line end for a long time, and Jetty's parser
 * would wait for one, so this check is made here, ahead of it.
 *
 * <p>Responses to {@code HEAD} carry a length but no body, which only the requests tell; the
 * proxy watches them ({@code org.mtcp.proxy.HttpRequestWatch}) and gives the framing up when one
 * is a HEAD.
 * Not thread-safe; one instance per response stream.
 */
public final class ResponseStreamFraming {

    private static final int MAX_HEAD_SIZE = 64 * 1024;
    private static final String STATUS_PREFIX = "HTTP/1.";

    private final HttpMessageParser parser = HttpMessageParser.forResponses(MAX_HEAD_SIZE);
    private int prefixMatched;              // bytes of STATUS_PREFIX seen at the start of this response
    private boolean lost;

    /** Consumes {@code n} bytes of the response stream; returns the number of final responses completed in them. */
    public int feed(byte[] bytes, int offset, int n) {
        int completed = 0;
        int i = offset;
        int end = offset + n;
        while (i < end && !lost) {
            if (!prefixMatches(bytes, i, end)) {
                lost = true;
                break;
            }
            int start = i;
            try {
                i += parser.feed(bytes, i, end - i);
                if (parser.phase() == HttpMessageParser.Phase.BODY) {
                    if (parser.response().status() == 101 || parser.bodyEndsWithStream()) {
                        lost = true;             // upgraded, or delimited by the end of the connection
                        break;
                    }
                    i += parser.feed(bytes, i, end - i);
                }
                if (parser.isComplete()) {
                    if (!parser.response().isInterim()) {
                        completed++;
                    }
                    parser.reset();
                    prefixMatched = 0;
                } else if (i == start) {
                    break;                       // all fed: the parser waits for more
                }
            } catch (HttpParseException | IOException e) {
                lost = true;
            }
        }
        return completed;
    }

    /**
     * Checks the bytes of {@code [from, end)} that fall in the status line's {@code HTTP/1.};
     * empty lines before it are tolerated, as Jetty does.
     */
    private boolean prefixMatches(byte[] bytes, int from, int end) {
        for (int i = from; i < end && prefixMatched < STATUS_PREFIX.length(); i++) {
            byte b = bytes[i];
            if (prefixMatched == 0 && (b == '\r' || b == '\n')) {
                continue;
            }
            if (b != STATUS_PREFIX.charAt(prefixMatched)) {
                return false;
            }
            prefixMatched++;
        }
        return true;
    }

    /** True once the responses can no longer be delimited. */
    public boolean lost() {
        return lost;
    }

    @Override
    public String toString() {
        return "ResponseStreamFraming[" + (lost ? "lost" : parser.phase()) + "]";
    }
}
