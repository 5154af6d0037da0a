package org.mtcp.bench.frontend;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.mtcp.http.HttpMessageParser;
import org.mtcp.http.HttpMessageReader;
import org.mtcp.http.HttpParseException;
import org.mtcp.http.HttpResponseHead;

/**
 * Just enough HTTP/1.1 for the benchmark's client: a POST or a GET on a kept-alive connection, the
 * response read by its framing (the project's codec). Not a general client.
 */
final class HttpLite {

    private static final int MAX_HEAD = 64 * 1024;

    private HttpLite() {}

    record Response(int status, boolean close, String body) {}

    static byte[] post(String path, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: mtcp\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[h.length + body.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(body, 0, out, h.length, body.length);
        return out;
    }

    static byte[] get(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: mtcp\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** One response, read by the project's codec; {@code in} is buffered, and nothing follows it unasked. */
    static Response read(InputStream in) throws IOException {
        HttpMessageParser parser = HttpMessageParser.forResponses(MAX_HEAD);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        parser.setBodySink(body::write);
        try {
            HttpResponseHead head = new HttpMessageReader(in, parser, HttpMessageReader.ReadMode.EXACT, null)
                    .readResponse();
            boolean close = head.header("Connection").map(v -> v.equalsIgnoreCase("close")).orElse(false)
                    || parser.endedWithStream();
            return new Response(head.status(), close, body.toString(StandardCharsets.UTF_8));
        } catch (HttpParseException e) {
            throw new IOException("malformed response: " + e.getMessage(), e);
        }
    }
}
