package org.mtcp.frontend.testing;

import java.io.ByteArrayOutputStream;
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
import org.mtcp.http.HttpField;
import org.mtcp.http.HttpMessageParser;
import org.mtcp.http.HttpMessageReader;
import org.mtcp.http.HttpParseException;
import org.mtcp.http.HttpResponseHead;

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

    /**
     * Reads one final response (interim ones skipped) with the project's codec (mtcp-http), never
     * past its end, so that the next exchange on the same stream starts at its first byte;
     * {@code onLine} is told of each body line as it arrives.
     */
    public static Response read(InputStream in, IntConsumer onLine) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<String> lines = new ArrayList<>();
        LineSplitter splitter = new LineSplitter(lines, onLine);
        HttpMessageParser parser = HttpMessageParser.forResponses(64 * 1024);
        parser.setBodySink((bytes, offset, length) -> {
            body.write(bytes, offset, length);
            splitter.feed(bytes, offset, length);
        });
        HttpResponseHead head;
        try {
            head = new HttpMessageReader(in, parser, HttpMessageReader.ReadMode.EXACT, raw::write).readResponse();
        } catch (HttpParseException e) {
            throw new IOException("malformed response: " + e.getMessage(), e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (HttpField f : head.fields()) {
            headers.putIfAbsent(f.name().toLowerCase(Locale.ROOT), f.value());
        }
        return new Response(head.status(), headers, raw.toByteArray(), body.toByteArray(), lines);
    }

    private static final class LineSplitter {
        private final List<String> lines;
        private final IntConsumer onLine;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        LineSplitter(List<String> lines, IntConsumer onLine) {
            this.lines = lines;
            this.onLine = onLine == null ? i -> { } : onLine;
        }

        void feed(byte[] data, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                byte b = data[i];
                partial.write(b);
                if (b == '\n') {
                    lines.add(partial.toString(StandardCharsets.UTF_8));
                    partial.reset();
                    onLine.accept(lines.size() - 1);
                }
            }
        }
    }
}
