package org.mtcp.frontend.jetty;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Finds where one HTTP/1.1 request ends in an inbound byte stream without reading a single byte
 * past it.
 *
 * <p>Why: the transport's inbound log is trimmed at the bytes the application has <em>read</em>
 * when it exports a snapshot. Jetty reads as much as its buffer holds, so a pipelined request that
 * follows a batch would be read (and lost to a migration) before the batch's snapshots. The
 * framer reads the request head byte by byte, then exactly the body the head announces
 * ({@code Content-Length} or the chunked framing), and stops: the next request stays in the
 * transport until the front-end has finished the response and exported its snapshot.
 *
 * <p>It interprets only what framing needs and never rejects anything: input it can't frame
 * (garbage, conflicting lengths, an unknown transfer coding, an over-long head) switches it to
 * pass-through, where it forwards everything to Jetty, which answers 400 and closes the connection.
 */
final class RequestFramer {

    /** Where framed bytes go (Jetty's input queue). */
    interface Sink {
        void accept(byte[] bytes, int offset, int length) throws IOException;
    }

    static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_LINE = 8 * 1024;

    /** Writes an interim response to the client (the framer's only output). */
    interface Interim {
        void write(byte[] bytes) throws IOException;
    }

    static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final InputStream in;
    private final Sink sink;
    private final Interim interim;
    private final byte[] buffer = new byte[16 * 1024];
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
        ByteArrayOutputStream head = new ByteArrayOutputStream(512);
        int lineLength = 0;
        boolean sawRequestLine = false;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (head.size() > 0) {
                    flush(head);
                    throw new EOFException("end of stream inside a request head");
                }
                return false;
            }
            head.write(b);
            if (b == '\n') {
                if (lineLength == 0) {
                    if (sawRequestLine) {
                        break;              // the empty line that ends the head
                    }
                    // empty lines before the request line are allowed (RFC 9112 2.2)
                } else {
                    sawRequestLine = true;
                }
                lineLength = 0;
            } else if (b != '\r') {
                lineLength++;
            }
            if (head.size() > MAX_HEAD || lineLength > MAX_HEAD) {
                return giveUp(head);
            }
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        Framing framing = framing(text);
        if (framing.kind == Kind.LENGTH || framing.kind == Kind.CHUNKED) {
            String stripped = withoutExpectContinue(text);
            if (stripped != null) {
                // Jetty sends "100 Continue" only if the body has not arrived when the handler
                // first reads, which differs between the first front-end and one that replays
                // the request from the inbound log: a non-deterministic byte. So the framer
                // answers it itself, always, right after the head, and hides the Expect header.
                interim.write(CONTINUE);
                head.reset();
                head.writeBytes(stripped.getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        lastHead = head.toByteArray();
        lastHasBody = framing.kind != Kind.NONE;
        flush(head);
        switch (framing.kind) {
            case NONE -> { }
            case LENGTH -> copyExactly(framing.length);
            case CHUNKED -> copyChunked();
            case UNKNOWN -> {
                passThrough = true;
                copyToEnd();
                return false;
            }
        }
        return true;
    }

    private enum Kind { NONE, LENGTH, CHUNKED, UNKNOWN }

    private record Framing(Kind kind, long length) {}

    /** The body framing a request head announces (RFC 9112 section 6). */
    static Framing framing(String head) {
        String[] lines = head.split("\r?\n");
        int first = 0;
        while (first < lines.length && lines[first].isEmpty()) {
            first++;
        }
        if (first >= lines.length) {
            return new Framing(Kind.UNKNOWN, 0);
        }
        String[] requestLine = lines[first].split(" ");
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
            return new Framing(Kind.UNKNOWN, 0);
        }
        Long length = null;
        String transferEncoding = null;
        for (int i = first + 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                return new Framing(Kind.UNKNOWN, 0);    // obsolete folding or garbage: Jetty rejects it
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                long parsed;
                try {
                    parsed = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    return new Framing(Kind.UNKNOWN, 0);
                }
                if (parsed < 0 || (length != null && length != parsed)) {
                    return new Framing(Kind.UNKNOWN, 0);
                }
                length = parsed;
            } else if (name.equals("transfer-encoding")) {
                transferEncoding = transferEncoding == null ? value : transferEncoding + "," + value;
            }
        }
        if (transferEncoding != null) {
            if (length != null) {
                return new Framing(Kind.UNKNOWN, 0);
            }
            String[] codings = transferEncoding.split(",");
            String last = codings[codings.length - 1].trim().toLowerCase(Locale.ROOT);
            return last.equals("chunked") && codings.length == 1
                    ? new Framing(Kind.CHUNKED, 0) : new Framing(Kind.UNKNOWN, 0);
        }
        return length == null || length == 0 ? new Framing(Kind.NONE, 0) : new Framing(Kind.LENGTH, length);
    }

    /** The head without its "Expect: 100-continue" line (HTTP/1.1 only), or null if it has none. */
    static String withoutExpectContinue(String head) {
        String[] lines = head.split("(?<=\n)");
        StringBuilder out = new StringBuilder(head.length());
        boolean found = false;
        boolean requestLine = true;
        boolean http11 = false;
        for (String line : lines) {
            String bare = line.strip();
            if (requestLine && !bare.isEmpty()) {
                requestLine = false;
                http11 = bare.endsWith("HTTP/1.1");
                out.append(line);
                continue;
            }
            int colon = bare.indexOf(':');
            if (colon > 0 && bare.substring(0, colon).trim().equalsIgnoreCase("expect")
                    && bare.substring(colon + 1).trim().equalsIgnoreCase("100-continue")) {
                found = true;
                continue;
            }
            out.append(line);
        }
        return found && http11 ? out.toString() : null;
    }

    private void copyChunked() throws IOException {
        while (true) {
            ByteArrayOutputStream line = readLine();
            String text = line.toString(StandardCharsets.ISO_8859_1).trim();
            flush(line);
            int semicolon = text.indexOf(';');
            String hex = (semicolon >= 0 ? text.substring(0, semicolon) : text).trim();
            long size;
            try {
                size = hex.isEmpty() || hex.length() > 15 ? -1 : Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 0) {
                passThrough = true;
                copyToEnd();
                return;
            }
            if (size == 0) {
                // trailer section: lines up to an empty one
                while (true) {
                    ByteArrayOutputStream trailer = readLine();
                    boolean empty = trailer.size() <= 2 && isLineEnd(trailer);
                    flush(trailer);
                    if (empty) {
                        return;
                    }
                }
            }
            copyExactly(size);
            ByteArrayOutputStream end = readLine();        // the CRLF after the chunk data
            flush(end);
        }
    }

    private static boolean isLineEnd(ByteArrayOutputStream line) {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.equals("\r\n") || s.equals("\n");
    }

    /** One line including its LF; EOFException at end of stream. */
    private ByteArrayOutputStream readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(16);
        while (true) {
            int b = in.read();
            if (b < 0) {
                flush(line);
                throw new EOFException("end of stream inside a chunked body");
            }
            line.write(b);
            if (b == '\n') {
                return line;
            }
            if (line.size() > MAX_LINE) {
                passThrough = true;
                return line;
            }
        }
    }

    private void copyExactly(long count) throws IOException {
        long left = count;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new EOFException("end of stream inside a request body (" + left + " bytes missing)");
            }
            sink.accept(buffer, 0, n);
            left -= n;
        }
    }

    private void copyToEnd() throws IOException {
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (n > 0) {
                sink.accept(buffer, 0, n);
            }
        }
    }

    private boolean giveUp(ByteArrayOutputStream head) throws IOException {
        flush(head);
        passThrough = true;
        copyToEnd();
        return false;
    }

    private void flush(ByteArrayOutputStream bytes) throws IOException {
        if (bytes.size() > 0) {
            byte[] b = bytes.toByteArray();
            sink.accept(b, 0, b.length);
            bytes.reset();
        }
    }
}
