package org.mtcp.frontend.jetty;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.mtcp.http.HttpMessageParser;
import org.mtcp.http.HttpMessageReader;
import org.mtcp.http.HttpParseException;
import org.mtcp.http.HttpRequest;
import org.mtcp.http.HttpVersion;

/**
 * Finds where one HTTP/1.1 request ends in an inbound byte stream without reading a single byte
 * past it, with the project's codec ({@link HttpMessageReader} in its exact mode).
 *
 * <p>Why: the transport's inbound log is trimmed at the bytes the application has <em>read</em>
 * when it exports a snapshot. Jetty reads as much as its buffer holds, so a pipelined request that
 * follows a batch would be read (and lost to a migration) before the batch's snapshots. The
 * framer reads the request head byte by byte, then exactly the body the head announces
 * ({@code Content-Length} or the chunked framing), and stops: the next request stays in the
 * transport until the front-end has finished the response and exported its snapshot.
 *
 * <p>It never rejects anything itself: input the codec can't frame (garbage, conflicting
 * lengths, an unknown transfer coding, an over-long head, no Host) switches it to pass-through,
 * where it forwards everything to Jetty, which answers 400 and closes the connection.
 */
final class RequestFramer {

    /** Where framed bytes go (Jetty's input queue). */
    interface Sink {
        void accept(byte[] bytes, int offset, int length) throws IOException;
    }

    /** Writes an interim response to the client (the framer's only output). */
    interface Interim {
        void write(byte[] bytes) throws IOException;
    }

    static final int MAX_HEAD = 64 * 1024;

    static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Where the bytes read go: held back while a head is read (it may be rewritten), then straight on. */
    private enum Forwarding { HOLD_HEAD, DIRECT }

    private final InputStream in;
    private final Sink sink;
    private final Interim interim;
    private final HttpMessageReader reader;
    private final ByteArrayOutputStream head = new ByteArrayOutputStream(512);
    private Forwarding forwarding = Forwarding.HOLD_HEAD;
    private boolean passThrough;
    private volatile byte[] lastHead;
    private volatile boolean lastHasBody;

    RequestFramer(InputStream in, Sink sink) {
        this(in, sink, bytes -> { });
    }

    RequestFramer(InputStream in, Sink sink, Interim interim) {
        this.in = in;
        this.sink = sink;
        this.interim = interim;
        this.reader = new HttpMessageReader(in, HttpMessageParser.forRequests(MAX_HEAD),
                HttpMessageReader.ReadMode.EXACT, this::read);
    }

    /** The head of the last request framed, as forwarded (null in pass-through mode). */
    byte[] lastHead() {
        return passThrough ? null : lastHead;
    }

    /** Whether the last request framed had a body. */
    boolean lastHasBody() {
        return lastHasBody;
    }

    /** True once the input could not be framed: everything is forwarded as it comes. */
    boolean passThrough() {
        return passThrough;
    }

    /**
     * Forwards exactly one request. Returns false at end of stream before the first byte of a
     * request; throws {@link EOFException} at end of stream inside one (after forwarding what came).
     * In pass-through mode it forwards everything up to end of stream and returns false.
     */
    boolean forwardOne() throws IOException {
        if (passThrough) {
            copyToEnd();
            return false;
        }
        forwarding = Forwarding.HOLD_HEAD;
        try {
            if (!reader.readHead()) {
                flushHead();                      // empty lines only: Jetty skips them too
                return false;
            }
            HttpMessageParser parser = reader.parser();
            HttpRequest request = parser.request();
            lastHasBody = parser.hasBody();
            if (lastHasBody && expectsContinue(request)) {
                // Jetty sends "100 Continue" only if the body has not arrived when the handler
                // first reads, which differs between the first front-end and one that replays
                // the request from the inbound log: a non-deterministic byte. So the framer
                // answers it itself, always, right after the head, and hides the Expect header.
                interim.write(CONTINUE);
                byte[] stripped = withoutExpectLine(head.toByteArray());
                head.reset();
                head.writeBytes(stripped);
            }
            lastHead = head.toByteArray();
            flushHead();
            reader.readBody();
            return true;
        } catch (HttpParseException e) {
            passThrough = true;
            flushHead();
            copyToEnd();
            return false;
        } catch (EOFException e) {
            flushHead();
            throw e;
        }
    }

    /** Every byte read, in order: held while in the head, forwarded at once after it. */
    private void read(byte[] bytes, int offset, int length) throws IOException {
        if (forwarding == Forwarding.HOLD_HEAD) {
            head.write(bytes, offset, length);
        } else {
            sink.accept(bytes, offset, length);
        }
    }

    private static boolean expectsContinue(HttpRequest request) {
        return request.version() == HttpVersion.HTTP_1_1
                && request.header("Expect").map(v -> v.equalsIgnoreCase("100-continue")).orElse(false);
    }

    /**
     * The head without its {@code Expect} line. The codec has parsed the head, so its lines are
     * well-formed fields: a line is dropped when its name, up to the colon, is {@code Expect}.
     */
    static byte[] withoutExpectLine(byte[] validHead) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(validHead.length);
        int lineStart = 0;
        for (int i = 0; i < validHead.length; i++) {
            if (validHead[i] == '\n') {
                String line = new String(validHead, lineStart, i + 1 - lineStart, StandardCharsets.ISO_8859_1);
                int colon = line.indexOf(':');
                if (colon < 0 || !line.substring(0, colon).toLowerCase(Locale.ROOT).equals("expect")) {
                    out.write(validHead, lineStart, i + 1 - lineStart);
                }
                lineStart = i + 1;
            }
        }
        return out.toByteArray();
    }

    private void flushHead() throws IOException {
        forwarding = Forwarding.DIRECT;
        if (head.size() > 0) {
            byte[] b = head.toByteArray();
            head.reset();
            sink.accept(b, 0, b.length);
        }
    }

    private void copyToEnd() throws IOException {
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (n > 0) {
                sink.accept(buffer, 0, n);
            }
        }
    }
}
