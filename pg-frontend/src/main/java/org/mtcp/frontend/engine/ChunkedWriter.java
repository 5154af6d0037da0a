package org.mtcp.frontend.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Continues a batch response body exactly as Jetty 12's {@code HttpGenerator} writes it. On a
 * persistent connection the body is chunked, and this continues it from any point between two chunks: the first chunk is {@code HEX CRLF data}, every later
 * one is {@code CRLF HEX CRLF data} (Jetty writes the CRLF that ends a chunk in front of the next
 * one), and the end is {@code [CRLF] 0 CRLF CRLF}. Hex digits are upper case, without leading zeros.
 * When the request asked to close the connection ({@code Connection: close}), Jetty does not
 * chunk: the body is the raw lines and its end is the end of the connection; {@code chunked =
 * false} writes that.
 *
 * <p>{@code ChunkedWriterTest} proves the bytes equal Jetty's own output for whole batch
 * responses, continued from every chunk boundary.
 */
public final class ChunkedWriter implements ResponseSink {

    private final OutputStream out;
    private final boolean chunked;
    private int lines;

    /** A writer that continues a chunked body after {@code linesWritten} chunks already sent. */
    public ChunkedWriter(OutputStream out, int linesWritten) {
        this(out, linesWritten, true);
    }

    /** As above; {@code chunked = false}: a body delimited by the end of the connection. */
    public ChunkedWriter(OutputStream out, int linesWritten, boolean chunked) {
        this.out = out;
        this.lines = linesWritten;
        this.chunked = chunked;
    }

    /** The bytes of one chunk, given how many came before it in the response. */
    public static byte[] chunk(byte[] data, int before) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(data.length + 12);
        if (before > 0) {
            b.writeBytes(CRLF);
        }
        b.writeBytes(Integer.toHexString(data.length).toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(CRLF);
        b.writeBytes(data);
        return b.toByteArray();
    }

    /** The terminal chunk, given how many chunks came before it. */
    public static byte[] end(int before) {
        return before > 0 ? "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII) : "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }

    private static final byte[] CRLF = {'\r', '\n'};

    @Override
    public void line(byte[] line) throws IOException {
        if (line.length == 0) {
            throw new IllegalArgumentException("empty chunk");
        }
        out.write(chunked ? chunk(line, lines) : line);
        out.flush();
        lines++;
    }

    @Override
    public int lines() {
        return lines;
    }

    @Override
    public void finish() throws IOException {
        if (chunked) {
            out.write(end(lines));
            out.flush();
        }
    }
}
