package org.mtcp.cli.http;

import java.util.List;

/**
 * Incremental parser of HTTP/1.1 request heads (RFC 9112 sections 3 and 5): feed it bytes as
 * they arrive, split at any point; it consumes exactly the bytes of one head and then returns
 * the {@link HttpRequest}. Malformed input is an {@link HttpParseException} carrying the status
 * to answer (400, 431 for a head over the limit, 505 for another HTTP version).
 *
 * <p>Checks beyond the head syntax of {@link HttpHeadParser}: the request line is exactly
 * {@code method SP target SP version}, the method is a token, the target has no whitespace or
 * control characters, an HTTP/1.1 request has exactly one {@code Host}, Content-Length is a
 * decimal number and repeated only with the same value, and Transfer-Encoding is not combined
 * with Content-Length (request smuggling). Bodies are not parsed here.
 */
public final class HttpRequestParser {

    /** Default limit of a request head: 8 KiB, as many servers. */
    public static final int DEFAULT_MAX_HEAD_SIZE = 8192;

    private final HttpHeadParser head;
    private HttpRequest request;
    private boolean failed;

    public HttpRequestParser() {
        this(DEFAULT_MAX_HEAD_SIZE);
    }

    public HttpRequestParser(int maxHeadSize) {
        this.head = new HttpHeadParser(maxHeadSize, true);
    }

    /**
     * Consumes bytes of {@code buf[off, off + len)} up to the end of the request head.
     *
     * @return the number of bytes consumed; once {@link #isComplete()}, the rest belongs to
     *     what follows the head
     */
    public int feed(byte[] buf, int off, int len) throws HttpParseException {
        if (request != null) {
            return 0;
        }
        if (failed) {
            throw new IllegalStateException("parser failed; reset() it");
        }
        try {
            int n = head.feed(buf, off, len);
            if (head.isComplete()) {
                request = interpret(head.startLine(), head.fields());
            }
            return n;
        } catch (HttpParseException e) {
            failed = true;
            throw e;
        }
    }

    public boolean isComplete() {
        return request != null;
    }

    /** True once a byte of a request (not a leading empty line) has arrived. */
    public boolean isStarted() {
        return head.isStarted();
    }

    public HttpRequest request() {
        if (request == null) {
            throw new IllegalStateException("request head not complete");
        }
        return request;
    }

    /** Prepares for the next request on the same connection. */
    public void reset() {
        head.reset();
        request = null;
        failed = false;
    }

    /** Parses a whole request head from a string (tests, tools). */
    public static HttpRequest parse(String head) throws HttpParseException {
        HttpRequestParser parser = new HttpRequestParser();
        byte[] bytes = head.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        parser.feed(bytes, 0, bytes.length);
        if (!parser.isComplete()) {
            throw new HttpParseException("incomplete request head");
        }
        return parser.request();
    }

    private static HttpRequest interpret(String requestLine, List<HttpField> fields)
            throws HttpParseException {
        int sp1 = requestLine.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0) {
            throw new HttpParseException("malformed request line");
        }
        String method = requestLine.substring(0, sp1);
        String target = requestLine.substring(sp1 + 1, sp2);
        String versionText = requestLine.substring(sp2 + 1);
        if (!HttpHeadParser.isToken(method)) {
            throw new HttpParseException("malformed method");
        }
        if (target.isEmpty()) {
            throw new HttpParseException("empty request target");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new HttpParseException("invalid character in request target");
            }
        }
        HttpVersion version = HttpVersion.parse(versionText);

        int hosts = 0;
        String contentLength = null;
        boolean transferEncoding = false;
        for (HttpField f : fields) {
            if (f.is("Host")) {
                hosts++;
            } else if (f.is("Content-Length")) {
                String value = f.value();
                if (value.isEmpty() || value.length() > 18
                        || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new HttpParseException("invalid Content-Length");
                }
                if (contentLength != null && Long.parseLong(contentLength) != Long.parseLong(value)) {
                    throw new HttpParseException("conflicting Content-Length fields");
                }
                contentLength = value;
            } else if (f.is("Transfer-Encoding")) {
                transferEncoding = true;
            }
        }
        if (version == HttpVersion.HTTP_1_1 && hosts != 1) {
            throw new HttpParseException(hosts == 0 ? "missing Host header" : "more than one Host header");
        }
        if (transferEncoding && contentLength != null) {
            throw new HttpParseException("both Transfer-Encoding and Content-Length");
        }
        return new HttpRequest(method, target, version, fields);
    }
}
