package org.mtcp.cli.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental parser of an HTTP/1 message head: a start line, header field lines, and the empty
 * line that ends them (RFC 9112 section 2). It is fed whatever bytes arrive, split anywhere, and
 * consumes exactly the bytes of the head, so the caller keeps the bytes that follow (a body or a
 * pipelined request).
 *
 * <p>An explicit state machine: {@link State#START_LINE} (skipping empty lines before a request
 * line, as RFC 9112 section 2.2 allows), {@link State#FIELD_LINE}, then {@link State#DONE}; any
 * violation moves it to {@link State#FAILED} and throws {@link HttpParseException}. Lines end with
 * CRLF or a bare LF; a bare CR, a control character, obsolete line folding, a field name that is
 * not a token or whitespace before the colon are errors. The whole head is limited to
 * {@code maxHeadSize} bytes (431 when exceeded) and to {@link #MAX_FIELDS} fields.
 *
 * <p>Not thread-safe; one parser per connection, {@link #reset()} between messages.
 */
public final class HttpHeadParser {

    /** Most header fields accepted in one head. */
    public static final int MAX_FIELDS = 100;

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    enum State { START_LINE, FIELD_LINE, DONE, FAILED }

    private final int maxHeadSize;
    private final boolean skipLeadingEmptyLines;
    private final byte[] line;
    private int lineLength;
    private boolean sawCr;
    private int headSize;
    private State state = State.START_LINE;
    private String startLine;
    private final List<HttpField> fields = new ArrayList<>();

    /**
     * @param maxHeadSize most bytes of the head, empty line included
     * @param skipLeadingEmptyLines true for requests: empty lines before the request line are
     *     ignored (but counted against the limit)
     */
    public HttpHeadParser(int maxHeadSize, boolean skipLeadingEmptyLines) {
        if (maxHeadSize < 16) {
            throw new IllegalArgumentException("maxHeadSize too small: " + maxHeadSize);
        }
        this.maxHeadSize = maxHeadSize;
        this.skipLeadingEmptyLines = skipLeadingEmptyLines;
        this.line = new byte[maxHeadSize];
    }

    /**
     * Consumes bytes of {@code buf[off, off + len)} until the head is complete.
     *
     * @return how many bytes were consumed: all of them while the head is incomplete, up to and
     *     including the final LF once it is complete
     * @throws HttpParseException when the bytes are not a valid head; the parser is then failed
     */
    public int feed(byte[] buf, int off, int len) throws HttpParseException {
        if (state == State.DONE) {
            return 0;
        }
        if (state == State.FAILED) {
            throw new IllegalStateException("parser failed; reset() it");
        }
        int i = 0;
        try {
            while (i < len) {
                byte b = buf[off + i];
                i++;
                if (++headSize > maxHeadSize) {
                    throw new HttpParseException(431, "request head larger than " + maxHeadSize + " bytes");
                }
                if (sawCr) {
                    if (b != LF) {
                        throw new HttpParseException("bare CR in head");
                    }
                    sawCr = false;
                    endOfLine();
                } else if (b == CR) {
                    sawCr = true;
                } else if (b == LF) {
                    endOfLine();
                } else {
                    line[lineLength++] = b;
                }
                if (state == State.DONE) {
                    return i;
                }
            }
            return i;
        } catch (HttpParseException e) {
            state = State.FAILED;
            throw e;
        }
    }

    private void endOfLine() throws HttpParseException {
        int length = lineLength;
        lineLength = 0;
        switch (state) {
            case START_LINE -> {
                if (length == 0) {
                    if (skipLeadingEmptyLines) {
                        return;
                    }
                    throw new HttpParseException("empty start line");
                }
                startLine = text(0, length);
                state = State.FIELD_LINE;
            }
            case FIELD_LINE -> {
                if (length == 0) {
                    state = State.DONE;
                    return;
                }
                if (fields.size() >= MAX_FIELDS) {
                    throw new HttpParseException(431, "more than " + MAX_FIELDS + " header fields");
                }
                fields.add(field(length));
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private HttpField field(int length) throws HttpParseException {
        if (line[0] == ' ' || line[0] == '\t') {
            throw new HttpParseException("obsolete line folding in header field");
        }
        int colon = 0;
        while (colon < length && line[colon] != ':') {
            if (!isTokenChar(line[colon])) {
                throw new HttpParseException("invalid character in header field name");
            }
            colon++;
        }
        if (colon == length) {
            throw new HttpParseException("header field without a colon");
        }
        if (colon == 0) {
            throw new HttpParseException("empty header field name");
        }
        int start = colon + 1;
        int end = length;
        while (start < end && isWhitespace(line[start])) {
            start++;
        }
        while (end > start && isWhitespace(line[end - 1])) {
            end--;
        }
        for (int i = start; i < end; i++) {
            byte b = line[i];
            if ((b >= 0 && b < 0x20 && b != '\t') || b == 0x7f) {
                throw new HttpParseException("control character in header field value");
            }
        }
        return new HttpField(text(0, colon), text(start, end - start));
    }

    private String text(int from, int length) throws HttpParseException {
        for (int i = from; i < from + length; i++) {
            byte b = line[i];
            if (b == 0) {
                throw new HttpParseException("NUL in head");
            }
        }
        return new String(line, from, length, StandardCharsets.ISO_8859_1);
    }

    public boolean isComplete() {
        return state == State.DONE;
    }

    /** True once some byte of a head (other than leading empty lines) has been consumed. */
    public boolean isStarted() {
        return state != State.START_LINE || lineLength > 0 || sawCr;
    }

    /** The start line, once the head is complete. */
    public String startLine() {
        requireComplete();
        return startLine;
    }

    /** The header fields in order of arrival, once the head is complete. */
    public List<HttpField> fields() {
        requireComplete();
        return List.copyOf(fields);
    }

    /** Bytes of the head consumed so far. */
    public int headSize() {
        return headSize;
    }

    public void reset() {
        state = State.START_LINE;
        lineLength = 0;
        sawCr = false;
        headSize = 0;
        startLine = null;
        fields.clear();
    }

    private void requireComplete() {
        if (state != State.DONE) {
            throw new IllegalStateException("head not complete");
        }
    }

    static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t';
    }

    /** RFC 9110 tchar. */
    static boolean isTokenChar(int c) {
        if (c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
            return true;
        }
        return switch (c) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
            default -> false;
        };
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTokenChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
