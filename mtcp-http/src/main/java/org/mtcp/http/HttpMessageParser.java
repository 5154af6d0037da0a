package org.mtcp.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;

/**
 * The project's one HTTP/1.1 message-framing codec: where a request or a response ends, on top of
 * Jetty's own {@link HttpParser} (RFC 9112 syntax, Content-Length, chunked coding with extensions
 * and trailers, 1xx/204/304, HEAD responses). It is fed bytes split anywhere and stops at two
 * events, so the caller always knows exactly how many bytes belong to the message:
 * {@link #feed} returns after the head ({@link Phase#BODY}) and after the message
 * ({@link Phase#COMPLETE}), with the bytes that follow left unconsumed. Body bytes go to the
 * {@link BodySink}.
 *
 * <p>On top of Jetty's checks: only HTTP/1.0 and 1.1 (505 otherwise), at most {@link #MAX_FIELDS}
 * header fields (431), and the head limit of the constructor (431, 414 for a long target). A
 * malformed message is an {@link HttpParseException} with the status a server answers with, and
 * the parser is then {@link Phase#FAILED} for good.
 *
 * <p>One message at a time: {@link #reset()} before the next one. Not thread-safe.
 */
public final class HttpMessageParser {

    /** Most header fields accepted in one head. */
    public static final int MAX_FIELDS = 100;

    /** Where the parser is in the current message. */
    public enum Phase {
        /** Nothing of a message yet (empty lines before a request are skipped here). */
        START,
        /** Inside the start line or the header fields. */
        HEAD,
        /** The head is complete ({@link #request()} / {@link #response()}); the body follows. */
        BODY,
        /** The message is complete; {@link #reset()} for the next one. */
        COMPLETE,
        /** Malformed input or an early end of stream; the framing is lost for good. */
        FAILED
    }

    /** Receives the decoded body (chunked coding removed). */
    @FunctionalInterface
    public interface BodySink {
        void accept(byte[] bytes, int offset, int length) throws IOException;
    }

    private static final BodySink DISCARD = (bytes, offset, length) -> { };

    private final boolean requests;
    private final int maxHeadSize;
    private final Events events = new Events();
    private HttpParser jetty;
    private BodySink body = DISCARD;
    private Phase phase = Phase.START;
    private byte[] bodyCopy = new byte[0];  // Jetty hands body bytes as read-only buffers: copied out here
    private IOException sinkFailure;
    private HttpParseException failure;
    private boolean endedWithStream;

    // the head being parsed
    private String method;
    private String target;
    private int status;
    private String reason;
    private HttpVersion version;
    private final List<HttpField> fields = new ArrayList<>();
    private HttpRequest request;
    private HttpResponseHead response;

    private HttpMessageParser(boolean requests, int maxHeadSize) {
        if (maxHeadSize < 64) {
            throw new IllegalArgumentException("maxHeadSize too small: " + maxHeadSize);
        }
        this.requests = requests;
        this.maxHeadSize = maxHeadSize;
        this.jetty = newJettyParser();
    }

    /** A parser of requests whose heads are at most {@code maxHeadSize} bytes. */
    public static HttpMessageParser forRequests(int maxHeadSize) {
        return new HttpMessageParser(true, maxHeadSize);
    }

    /** A parser of responses whose heads are at most {@code maxHeadSize} bytes. */
    public static HttpMessageParser forResponses(int maxHeadSize) {
        return new HttpMessageParser(false, maxHeadSize);
    }

    private HttpParser newJettyParser() {
        return requests
                ? new FailureCapturingParser((HttpParser.RequestHandler) events, maxHeadSize)
                : new FailureCapturingParser((HttpParser.ResponseHandler) events, maxHeadSize);
    }

    /** Where the body goes from now on (discarded unless set). */
    public void setBodySink(BodySink sink) {
        this.body = sink == null ? DISCARD : sink;
    }

    /**
     * Parses {@code bytes[offset, offset + length)} up to the next event: the end of the head or of
     * the message. Once the head is complete, feed again (with no bytes if none are left) to go on:
     * a message without a body completes without consuming anything.
     *
     * @return how many bytes belong to the message; the rest follows it
     * @throws HttpParseException when the message is malformed
     * @throws IOException when the body sink fails
     */
    public int feed(byte[] bytes, int offset, int length) throws HttpParseException, IOException {
        switch (phase) {
            case COMPLETE -> {
                return 0;
            }
            case FAILED -> throw new IllegalStateException("the parser failed: " + failure.getMessage());
            default -> { }
        }
        ByteBuffer view = ByteBuffer.wrap(bytes, offset, length);
        Phase before = phase;
        boolean event = false;
        // Jetty returns at an event or when it needs more bytes; an empty buffer still moves a
        // message without a body from its head to its end
        while (!event && phase == before && failure == null && sinkFailure == null) {
            int position = view.position();
            event = jetty.parseNext(view);
            if (!event && view.position() == position) {
                break;
            }
        }
        if (sinkFailure != null) {
            IOException e = sinkFailure;
            sinkFailure = null;
            phase = Phase.FAILED;
            failure = new HttpParseException(500, "body sink failed: " + e.getMessage());
            throw e;
        }
        if (failure != null) {
            phase = Phase.FAILED;
            throw failure;
        }
        if (phase == Phase.START && !jetty.isStart()) {
            phase = Phase.HEAD;
        }
        return view.position() - offset;
    }

    /**
     * The end of the stream: completes a body delimited by it (a response without a length);
     * anywhere else inside a message it is an error.
     *
     * @throws HttpParseException an early end of stream (status 400)
     */
    public void endOfInput() throws HttpParseException, IOException {
        if (phase == Phase.COMPLETE || phase == Phase.START) {
            return;
        }
        if (bodyEndsWithStream()) {
            endedWithStream = true;
            jetty.atEOF();
            feed(new byte[0], 0, 0);
        }
        // elsewhere Jetty's own early-EOF report of a response carries its status (200) as an
        // error code, which Jetty asserts against: the early end is reported here instead
        if (phase != Phase.COMPLETE) {
            phase = Phase.FAILED;
            failure = new HttpParseException("end of stream inside a message");
            throw failure;
        }
    }

    /**
     * The response being parsed answers a HEAD request: it has no body whatever its head says.
     * Called once its head is complete, before feeding on.
     */
    public void expectNoBody() {
        jetty.setHeadResponse(true);
    }

    public Phase phase() {
        return phase;
    }

    /** True once a byte of a message (not an empty line before a request) has been consumed. */
    public boolean isStarted() {
        return phase != Phase.START;
    }

    /** True once the head is complete (also when the message is). */
    public boolean isHeadComplete() {
        return phase == Phase.BODY || phase == Phase.COMPLETE;
    }

    public boolean isComplete() {
        return phase == Phase.COMPLETE;
    }

    /** The body follows the head and ends with the stream (a response with neither length nor chunks). */
    public boolean bodyEndsWithStream() {
        return phase == Phase.BODY && jetty.isState(HttpParser.State.EOF_CONTENT);
    }

    /** The message was delimited by the end of the stream: nothing can follow it. */
    public boolean endedWithStream() {
        return endedWithStream;
    }

    /** True when a body follows the head (Content-Length above 0, chunked, or up to the end of the stream). */
    public boolean hasBody() {
        requireHead();
        return jetty.isChunking() || jetty.getContentLength() > 0 || bodyEndsWithStream();
    }

    /**
     * The most bytes a caller may read from its stream now without reading past the end of the
     * message (at most {@code max}): the rest of a Content-Length body, the whole buffer for a body
     * that ends with the stream, and otherwise one byte, since only the parser can tell where a
     * head, a chunk-size line or a trailer ends.
     */
    public int safeReadLength(int max) {
        if (phase == Phase.BODY) {
            if (jetty.isState(HttpParser.State.CONTENT) && jetty.getContentLength() >= 0) {
                return (int) Math.min(max, jetty.getContentLength() - jetty.getContentRead());
            }
            if (bodyEndsWithStream()) {
                return max;
            }
        }
        return Math.min(max, 1);
    }

    /** The request head, once complete. */
    public HttpRequest request() {
        requireHead();
        if (!requests) {
            throw new IllegalStateException("a response parser");
        }
        return request;
    }

    /** The response head, once complete. */
    public HttpResponseHead response() {
        requireHead();
        if (requests) {
            throw new IllegalStateException("a request parser");
        }
        return response;
    }

    /** Prepares for the next message on the same stream (also after a failure: a fresh start). */
    public void reset() {
        if (jetty.isTerminated() || phase == Phase.FAILED) {
            jetty = newJettyParser();
        } else {
            jetty.reset();
        }
        jetty.setHeadResponse(false);
        phase = Phase.START;
        failure = null;
        sinkFailure = null;
        endedWithStream = false;
        method = null;
        target = null;
        status = 0;
        reason = null;
        version = null;
        fields.clear();
        request = null;
        response = null;
    }

    private void requireHead() {
        if (!isHeadComplete()) {
            throw new IllegalStateException("head not complete");
        }
    }

    @Override
    public String toString() {
        return "HttpMessageParser[" + (requests ? "requests " : "responses ") + phase + " " + jetty.getState() + "]";
    }

    private static HttpParseException parseException(HttpException x) {
        String reason = x.getReason();
        return new HttpParseException(x.getCode(), reason == null ? HttpStatus.getMessage(x.getCode()) : reason);
    }

    /** Jetty reports a malformed body as an early EOF; this keeps the reason it had. */
    private final class FailureCapturingParser extends HttpParser {

        FailureCapturingParser(RequestHandler handler, int maxHeaderBytes) {
            super(handler, maxHeaderBytes);
        }

        FailureCapturingParser(ResponseHandler handler, int maxHeaderBytes) {
            super(handler, maxHeaderBytes);
        }

        @Override
        protected void badMessage(HttpException x) {
            if (failure == null) {
                failure = parseException(x);
            }
            super.badMessage(x);
        }
    }

    /** Jetty's callbacks; true from a callback makes {@code parseNext} return at that byte. */
    private final class Events implements HttpParser.RequestHandler, HttpParser.ResponseHandler {

        @Override
        public void startRequest(String method, String uri, org.eclipse.jetty.http.HttpVersion version) {
            HttpMessageParser.this.method = method;
            HttpMessageParser.this.target = uri;
            HttpMessageParser.this.version = checkedVersion(version);
        }

        @Override
        public void startResponse(org.eclipse.jetty.http.HttpVersion version, int status, String reason) {
            HttpMessageParser.this.status = status;
            HttpMessageParser.this.reason = reason == null ? "" : reason;
            HttpMessageParser.this.version = checkedVersion(version);
        }

        private HttpVersion checkedVersion(org.eclipse.jetty.http.HttpVersion version) {
            try {
                return HttpVersion.of(version);
            } catch (HttpParseException e) {
                // thrown into Jetty, which reports it through badMessage
                throw new HttpException.RuntimeException(e.status(), e.getMessage());
            }
        }

        @Override
        public void parsedHeader(org.eclipse.jetty.http.HttpField field) {
            if (fields.size() >= MAX_FIELDS) {
                throw new HttpException.RuntimeException(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431,
                        "more than " + MAX_FIELDS + " header fields");
            }
            fields.add(new HttpField(field.getName(), field.getValue() == null ? "" : field.getValue()));
        }

        @Override
        public boolean headerComplete() {
            if (requests) {
                request = new HttpRequest(method, target, version, fields);
            } else {
                response = new HttpResponseHead(version, status, reason, fields);
            }
            phase = Phase.BODY;
            return true;
        }

        @Override
        public boolean content(ByteBuffer chunk) {
            int n = chunk.remaining();
            if (bodyCopy.length < n) {
                bodyCopy = new byte[Math.max(n, 2 * bodyCopy.length)];
            }
            chunk.get(bodyCopy, 0, n);
            try {
                body.accept(bodyCopy, 0, n);
                return false;
            } catch (IOException e) {
                sinkFailure = e;
                return true;
            }
        }

        @Override
        public boolean contentComplete() {
            return false;
        }

        @Override
        public boolean messageComplete() {
            phase = Phase.COMPLETE;
            return true;
        }

        @Override
        public void earlyEOF() {
            if (failure == null) {
                failure = new HttpParseException("end of stream inside a message");
            }
        }

        @Override
        public void badMessage(HttpException x) {
            if (failure == null) {
                failure = parseException(x);
            }
        }
    }
}
