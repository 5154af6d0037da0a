package org.mtcp.webapp.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;

/**
 * Calls one front-end's admin endpoint ({@code /admin/slowdown}, bearer token) over an M-TCP
 * connection to that front-end alone: no policies, no failover, so the request reaches the
 * front-end it names or fails. One request per connection ({@code Connection: close}).
 */
final class AdminClient {

    /** A response: status and body (UTF-8). */
    record Reply(int status, String body) {}

    private static final ClientOptions OPTIONS = ClientOptions.defaults()
            .withFailover(false)
            .withConnectTimeout(Duration.ofSeconds(3));
    private static final int MAX_RESPONSE = 64 * 1024;

    private final String token;

    AdminClient(String token) {
        this.token = token;
    }

    Reply getSlowdown(InetSocketAddress frontend) throws IOException {
        return call(frontend, "GET", null);
    }

    Reply setSlowdown(InetSocketAddress frontend, long delayMs) throws IOException {
        return call(frontend, "POST", "{\"delayMs\":" + delayMs + "}");
    }

    private Reply call(InetSocketAddress frontend, String method, String body) throws IOException {
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder()
                .append(method).append(" /admin/slowdown HTTP/1.1\r\n")
                .append("Host: ").append(frontend.getHostString()).append(':').append(frontend.getPort()).append("\r\n")
                .append("Authorization: Bearer ").append(token).append("\r\n")
                .append("Connection: close\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\n").append("Content-Length: ").append(payload.length).append("\r\n");
        }
        head.append("\r\n");
        try (MtcpSocket socket = MtcpSocket.connect(List.of(frontend), OPTIONS)) {
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(payload);
            out.flush();
            return parse(readResponse(socket.getInputStream()));
        }
    }

    /**
     * Reads one response: the head, then as many body bytes as {@code Content-Length} says (or
     * up to the end of the stream without one). Does not wait for the server to close.
     */
    private static byte[] readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            all.write(buffer, 0, n);
            if (all.size() > MAX_RESPONSE) {
                throw new IOException("admin response over " + MAX_RESPONSE + " bytes");
            }
            byte[] sofar = all.toByteArray();
            int end = headEnd(sofar);
            if (end >= 0) {
                int length = contentLength(new String(sofar, 0, end, StandardCharsets.ISO_8859_1));
                if (length >= 0 && sofar.length >= end + 4 + length) {
                    return sofar;
                }
            }
        }
        return all.toByteArray();
    }

    private static int headEnd(byte[] b) {
        for (int i = 0; i + 3 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The Content-Length of a response head, or -1. */
    private static int contentLength(String head) throws IOException {
        String[] lines = head.split("\r\n");
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                try {
                    return Integer.parseInt(lines[i].substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length: " + lines[i]);
                }
            }
        }
        return -1;
    }

    /** Status line, headers (Content-Length framing, else to the end), body. */
    static Reply parse(byte[] response) throws IOException {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.") || end < 0) {
            throw new IOException("malformed admin response");
        }
        String[] lines = text.substring(0, end).split("\r\n");
        String[] status = lines[0].split(" ", 3);
        int code;
        try {
            code = Integer.parseInt(status[1]);
        } catch (RuntimeException e) {
            throw new IOException("malformed status line: " + lines[0]);
        }
        int length = contentLength(text.substring(0, end));
        int start = end + 4;
        int stop = length < 0 ? response.length : Math.min(response.length, start + length);
        return new Reply(code, new String(response, start, stop - start, StandardCharsets.UTF_8));
    }
}
