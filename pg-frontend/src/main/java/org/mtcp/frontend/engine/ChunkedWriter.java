package org.mtcp.frontend.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Continues a chunked HTTP/1.1 response body exactly as Jetty 12's {@code HttpGenerator} writes
 * it, from any point between two chunks: the first chunk is {@code HEX CRLF data}, every later
 * one is {@code CRLF HEX CRLF data} (Jetty writes the CRLF that ends a chunk in front of the next
 * one), and the end is {@code [CRLF] 0 CRLF CRLF}. Hex digits are upper case, without leading zeros.
 *
 * <p>{@code ChunkedWriterTest} proves the bytes equal Jetty's own output for whole batch
 * responses, continued from every chunk boundary.
 */
public final class ChunkedWriter implements ResponseSink {

    private final OutputStream out;
    private int lines;

    /** A writer that continues after {@code linesWritten} chunks already sent. */
    public ChunkedWriter(OutputStream out, int linesWritten) {
        this.out = out;
        this.lines = linesWritten;
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
        out.write(chunk(line, lines));
        out.flush();
        lines++;
    }

    @Override
    public int lines() {
        return lines;
    }

    @Override
    public void finish() throws IOException {
        out.write(end(lines));
        out.flush();
    }
}
