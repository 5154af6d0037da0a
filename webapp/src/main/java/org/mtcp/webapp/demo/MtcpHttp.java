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
import org.mtcp.cli.proxy.HttpResponseFraming;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;

/**
 * One HTTP/1.1 request over an M-TCP connection of its own, for the demo's own calls to the
 * front-ends: setting up the bank, and calling one front-end's admin endpoint. No policies and no
 * failover: the request reaches the server it is sent to, or fails. The response is read up to
 * its end by its framing ({@link HttpResponseFraming}), not up to the end of the connection.
 */
final class MtcpHttp {

    /** A response: status and body (chunked encoding removed), as UTF-8 text. */
    record Reply(int status, String body) {}

    private static final ClientOptions OPTIONS = ClientOptions.defaults()
            .withFailover(false)
            .withConnectTimeout(Duration.ofSeconds(5));
    private static final int MAX_RESPONSE = 4 << 20;

    private MtcpHttp() {}

    /**
     * Sends {@code method path} to the first server of {@code servers} that answers.
     *
     * @param bearer an {@code Authorization: Bearer} token, or null
     * @param json a JSON body, or null
     */
    static Reply exchange(List<InetSocketAddress> servers, String method, String path, String bearer, String json)
            throws IOException {
        byte[] payload = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        InetSocketAddress first = servers.get(0);
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(first.getHostString()).append(':').append(first.getPort()).append("\r\n");
        if (bearer != null) {
            head.append("Authorization: Bearer ").append(bearer).append("\r\n");
        }
        if (json != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(payload.length).append("\r\n");
        }
        head.append("\r\n");
        try (MtcpSocket socket = MtcpSocket.connect(servers, OPTIONS)) {
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(payload);
            out.flush();
            return parse(readResponse(socket.getInputStream()));
        }
    }

    /** The bytes of one response: up to where its framing ends (or the stream, without framing). */
    private static byte[] readResponse(InputStream in) throws IOException {
        HttpResponseFraming framing = new HttpResponseFraming();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            all.write(buffer, 0, n);
            if (all.size() > MAX_RESPONSE) {
                throw new IOException("response over " + MAX_RESPONSE + " bytes");
            }
            if (!framing.lost() && framing.feed(buffer, 0, n) > 0) {
                return all.toByteArray();
            }
        }
        if (!framing.lost()) {
            throw new IOException("the connection ended in the middle of the response");
        }
        return all.toByteArray();
    }

    /** Status line, headers, body (de-chunked when chunked). */
    static Reply parse(byte[] response) throws IOException {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.") || end < 0 || text.length() < 12) {
            throw new IOException("malformed response");
        }
        int status;
        try {
            status = Integer.parseInt(text.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("malformed status line");
        }
        boolean chunked = false;
        for (String line : text.substring(0, end).split("\r\n")) {
            String l = line.toLowerCase(Locale.ROOT);
            if (l.startsWith("transfer-encoding:") && l.trim().endsWith("chunked")) {
                chunked = true;
            }
        }
        byte[] body = java.util.Arrays.copyOfRange(response, end + 4, response.length);
        return new Reply(status, new String(chunked ? dechunk(body) : body, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (true) {
            int eol = indexOfCrlf(body, i);
            if (eol < 0) {
                throw new IOException("malformed chunked body");
            }
            String size = new String(body, i, eol - i, StandardCharsets.ISO_8859_1);
            int semi = size.indexOf(';');
            int n;
            try {
                n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size: " + size);
            }
            i = eol + 2;
            if (n == 0) {
                return out.toByteArray();
            }
            if (i + n + 2 > body.length) {
                throw new IOException("truncated chunk");
            }
            out.write(body, i, n);
            i += n + 2;
        }
    }

    private static int indexOfCrlf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
