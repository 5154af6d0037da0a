package org.mtcp.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads HTTP/1.1 messages from a blocking stream through an {@link HttpMessageParser}: the one
 * loop of "read, feed, stop where the message ends" that every stream-reading client shares.
 *
 * <p>{@link ReadMode#EXACT} never reads a byte past the end of a message: heads, chunk-size
 * lines and trailers are read a byte at a time and a Content-Length body exactly; that is what a
 * server on the migratory transport needs, whose inbound log is trimmed at the bytes the
 * application has read. {@link ReadMode#BUFFERED} reads whole buffers and keeps what follows a
 * message for the next one; for clients, which may read ahead freely.
 */
public final class HttpMessageReader {

    /** How far the reader may read ahead of the parser. */
    public enum ReadMode { EXACT, BUFFERED }

    /** Sees every byte read from the stream, in order, before it is parsed (a relay forwards them). */
    @FunctionalInterface
    public interface RawBytes {
        void accept(byte[] bytes, int offset, int length) throws IOException;
    }

    private static final int BUFFER_SIZE = 16 * 1024;
    /** What a reader waiting for the next request on an idle keep-alive connection holds. */
    private static final int IDLE_BUFFER_SIZE = 512;

    private final InputStream in;
    private final HttpMessageParser parser;
    private final ReadMode mode;
    private final RawBytes raw;
    /** Sized to the traffic: {@link #IDLE_BUFFER_SIZE} after a short read, doubled after a full one. */
    private byte[] buffer = new byte[IDLE_BUFFER_SIZE];
    private int pendingOffset;
    private int pendingLength;

    /**
     * @param raw told of every byte read (may be null)
     */
    public HttpMessageReader(InputStream in, HttpMessageParser parser, ReadMode mode, RawBytes raw) {
        this.in = in;
        this.parser = parser;
        this.mode = mode;
        this.raw = raw;
    }

    public HttpMessageParser parser() {
        return parser;
    }

    /**
     * Starts the next message ({@link HttpMessageParser#reset()}) and reads its head.
     *
     * @return false at the end of the stream before the first byte of a message
     * @throws EOFException at the end of the stream inside the head
     */
    public boolean readHead() throws IOException, HttpParseException {
        parser.reset();
        return readUntil(HttpMessageParser.Phase.BODY);
    }

    /**
     * Reads the rest of the message whose head was read: the body goes to the parser's sink.
     *
     * @throws EOFException at the end of the stream inside the body
     */
    public void readBody() throws IOException, HttpParseException {
        if (!parser.isHeadComplete()) {
            throw new IllegalStateException("no head read");
        }
        readUntil(HttpMessageParser.Phase.COMPLETE);
    }

    /**
     * Reads the next final response, skipping interim ones ({@code 100 Continue}), body included.
     *
     * @throws EOFException at the end of the stream before the response is complete
     */
    public HttpResponseHead readResponse() throws IOException, HttpParseException {
        while (true) {
            if (!readHead()) {
                throw new EOFException("end of stream before a response");
            }
            readBody();
            HttpResponseHead head = parser.response();
            if (!head.isInterim()) {
                return head;
            }
        }
    }

    /** Feeds pending bytes and reads until the parser reaches {@code goal}; false at a clean end of stream. */
    private boolean readUntil(HttpMessageParser.Phase goal) throws IOException, HttpParseException {
        while (true) {
            HttpMessageParser.Phase before = parser.phase();
            int n = parser.feed(buffer, pendingOffset, pendingLength);
            pendingOffset += n;
            pendingLength -= n;
            if (parser.phase().compareTo(goal) >= 0) {
                return true;
            }
            if (pendingLength > 0 || parser.phase() != before) {
                continue;                       // stopped at an event: go on from there
            }
            int limit = mode == ReadMode.EXACT ? parser.safeReadLength(buffer.length) : buffer.length;
            int r = in.read(buffer, 0, limit);
            resizeAfter(r, limit);
            if (r < 0) {
                if (!parser.isStarted()) {
                    return false;
                }
                if (parser.bodyEndsWithStream()) {
                    parser.endOfInput();
                    return true;
                }
                throw new EOFException("end of stream inside a message (" + parser.phase() + ")");
            }
            if (raw != null && r > 0) {
                raw.accept(buffer, 0, r);
            }
            pendingOffset = 0;
            pendingLength = r;
        }
    }

    /**
     * Before the bytes just read are parsed: the next buffer. A read that filled its limit
     * doubles it (up to 16 KiB; the bytes are copied over); a short one lets a large buffer go
     * once they are consumed, at the next read.
     */
    private void resizeAfter(int read, int limit) {
        if (read == limit && limit == buffer.length && buffer.length < BUFFER_SIZE) {
            buffer = java.util.Arrays.copyOf(buffer, Math.min(BUFFER_SIZE, 2 * buffer.length));
        } else if (read >= 0 && read < IDLE_BUFFER_SIZE && buffer.length > IDLE_BUFFER_SIZE) {
            byte[] small = new byte[IDLE_BUFFER_SIZE];
            System.arraycopy(buffer, 0, small, 0, read);
            buffer = small;
        }
    }
}
