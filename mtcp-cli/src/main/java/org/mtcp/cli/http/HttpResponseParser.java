package org.mtcp.cli.http;

/**
 * Incremental parser of a response head, the client-side twin of {@link HttpRequestParser}: it
 * consumes exactly the bytes of the head, fed split anywhere.
 */
public final class HttpResponseParser {

    /** Default limit of a response head: 64 KiB. */
    public static final int DEFAULT_MAX_HEAD_SIZE = 64 * 1024;

    private final HttpHeadParser head;
    private HttpResponseHead response;

    public HttpResponseParser() {
        this(DEFAULT_MAX_HEAD_SIZE);
    }

    public HttpResponseParser(int maxHeadSize) {
        this.head = new HttpHeadParser(maxHeadSize, false);
    }

    /** Consumes bytes up to the end of the head; returns how many. */
    public int feed(byte[] buf, int off, int len) throws HttpParseException {
        if (response != null) {
            return 0;
        }
        int n = head.feed(buf, off, len);
        if (head.isComplete()) {
            response = HttpResponseHead.interpret(head.startLine(), head.fields());
        }
        return n;
    }

    public boolean isComplete() {
        return response != null;
    }

    public HttpResponseHead response() {
        if (response == null) {
            throw new IllegalStateException("response head not complete");
        }
        return response;
    }

    public void reset() {
        head.reset();
        response = null;
    }
}
