package org.mtcp.webapp.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.http.HttpMessageParser;
import org.mtcp.http.HttpMessageReader;
import org.mtcp.http.HttpParseException;
import org.mtcp.http.HttpResponseHead;

/**
 * One HTTP/1.1 request over an M-TCP connection of its own, for the demo's own calls to the
 * front-ends: setting up the bank, and calling one front-end's admin endpoint. No policies and no
 * failover: the request reaches the server it is sent to, or fails. The response is read up to
 * its end by its framing ({@link HttpMessageReader}), not up to the end of the connection.
 */
final class MtcpHttp {

    /** A response: status and body (chunked encoding removed), as UTF-8 text. */
    record Reply(int status, String body) {}

    /** The options of these calls, before the demo's TLS choice is applied ({@link DemoTls.Links#client}). */
    static final ClientOptions OPTIONS = ClientOptions.defaults()
            .withFailover(false)
            .withConnectTimeout(Duration.ofSeconds(5));
    private static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_BODY = 4 << 20;

    private MtcpHttp() {}

    /**
     * Sends {@code method path} to the first server of {@code servers} that answers.
     *
     * @param options the link options: {@link #OPTIONS} with the demo's TLS or plaintext
     * @param bearer an {@code Authorization: Bearer} token, or null
     * @param json a JSON body, or null
     */
    static Reply exchange(List<InetSocketAddress> servers, ClientOptions options, String method, String path, String bearer, String json)
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
        try (MtcpSocket socket = MtcpSocket.connect(servers, options)) {
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(payload);
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /** One response, read up to its end by the project's codec; the body de-chunked, as UTF-8 text. */
    static Reply read(InputStream in) throws IOException {
        HttpMessageParser parser = HttpMessageParser.forResponses(MAX_HEAD);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        parser.setBodySink((bytes, offset, length) -> {
            if (body.size() + length > MAX_BODY) {
                throw new IOException("response body over " + MAX_BODY + " bytes");
            }
            body.write(bytes, offset, length);
        });
        try {
            HttpResponseHead head = new HttpMessageReader(in, parser, HttpMessageReader.ReadMode.BUFFERED, null)
                    .readResponse();
            return new Reply(head.status(), body.toString(StandardCharsets.UTF_8));
        } catch (HttpParseException e) {
            throw new IOException("malformed response: " + e.getMessage(), e);
        }
    }
}
