package org.mtcp.frontend.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A strict HTTP/1.1 client for one request/response over any pair of streams (an M-TCP socket in
 * the tests): it keeps every byte it read, parses the head, the chunked (or close-delimited)
 * body, and splits the body into NDJSON lines. {@code onLine} is called with each line's index as
 * soon as it arrives (tests trigger migrations there).
 */
public final class HttpExchange {

    public record Response(int status, Map<String, String> headers, byte[] raw, byte[] body, List<String> lines) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private HttpExchange() {}

    public static byte[] post(String path, String json, String... extraHeaders) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder();
        b.append("POST ").append(path).append(" HTTP/1.1\r\nHost: mtcp\r\n");
        if (java.util.Arrays.stream(extraHeaders).noneMatch(h -> h.toLowerCase(Locale.ROOT).startsWith("content-type:"))) {
            b.append("Content-Type: application/json\r\n");
        }
        for (String h : extraHeaders) {
            b.append(h).append("\r\n");
        }
        b.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(b.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return out.toByteArray();
    }

    public static byte[] get(String path, String... extraHeaders) {
        StringBuilder b = new StringBuilder();
        b.append("GET ").append(path).append(" HTTP/1.1\r\nHost: mtcp\r\n");
        for (String h : extraHeaders) {
            b.append(h).append("\r\n");
        }
        b.append("\r\n");
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    public static Response exchange(InputStream in, OutputStream out, byte[] request, IntConsumer onLine) throws IOException {
        out.write(request);
        out.flush();
        return read(in, onLine);
    }

    public static Response read(InputStream in, IntConsumer onLine) throws IOException {
        Recorder r = new Recorder(in);
        String statusLine;
        String[] parts;
        int status;
        while (true) {
            statusLine = r.line();
            parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].equals("HTTP/1.1")) {
                throw new IOException("bad status line: " + statusLine);
            }
            status = Integer.parseInt(parts[1]);
            if (status >= 200) {
                break;
            }
            while (!r.line().isEmpty()) {
                // an interim response (100 Continue): its headers, then the real response
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String h;
        while (!(h = r.line()).isEmpty()) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<String> lines = new ArrayList<>();
        LineSplitter splitter = new LineSplitter(lines, onLine);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            while (true) {
                String size = r.line();
                int n = Integer.parseInt(size.trim(), 16);
                if (n == 0) {
                    if (!r.line().isEmpty()) {
                        throw new IOException("trailers are not expected");
                    }
                    break;
                }
                byte[] data = r.exactly(n);
                body.writeBytes(data);
                splitter.feed(data);
                if (!r.line().isEmpty()) {
                    throw new IOException("chunk not followed by CRLF");
                }
            }
        } else if (headers.containsKey("content-length")) {
            byte[] data = r.exactly(Integer.parseInt(headers.get("content-length")));
            body.writeBytes(data);
            splitter.feed(data);
        } else {
            byte[] data;
            while ((data = r.some()) != null) {
                body.writeBytes(data);
                splitter.feed(data);
            }
        }
        return new Response(status, headers, r.raw.toByteArray(), body.toByteArray(), lines);
    }

    private static final class LineSplitter {
        private final List<String> lines;
        private final IntConsumer onLine;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        LineSplitter(List<String> lines, IntConsumer onLine) {
            this.lines = lines;
            this.onLine = onLine == null ? i -> { } : onLine;
        }

        void feed(byte[] data) {
            for (byte b : data) {
                partial.write(b);
                if (b == '\n') {
                    lines.add(partial.toString(StandardCharsets.UTF_8));
                    partial.reset();
                    onLine.accept(lines.size() - 1);
                }
            }
        }
    }

    private static final class Recorder {
        final InputStream in;
        final ByteArrayOutputStream raw = new ByteArrayOutputStream();

        Recorder(InputStream in) {
            this.in = in;
        }

        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new EOFException("end of stream inside a line: " + b.toString(StandardCharsets.ISO_8859_1));
                }
                raw.write(c);
                if (c == '\n') {
                    String s = b.toString(StandardCharsets.ISO_8859_1);
                    if (!s.endsWith("\r")) {
                        throw new IOException("line without CR: " + s);
                    }
                    return s.substring(0, s.length() - 1);
                }
                b.write(c);
            }
        }

        byte[] exactly(int n) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length != n) {
                throw new EOFException("expected " + n + " bytes, got " + b.length);
            }
            raw.writeBytes(b);
            return b;
        }

        byte[] some() throws IOException {
            byte[] b = new byte[4096];
            int n = in.read(b);
            if (n < 0) {
                return null;
            }
            raw.write(b, 0, n);
            return java.util.Arrays.copyOf(b, n);
        }
    }
}
