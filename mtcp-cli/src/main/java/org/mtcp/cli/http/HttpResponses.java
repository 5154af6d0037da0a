package org.mtcp.cli.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.mtcp.http.HttpField;
import org.mtcp.http.HttpVersion;

/**
 * Writes response heads and small error responses, deterministically: the same arguments give
 * the same bytes on every server, with no {@code Date} or {@code Server} field, which is what lets
 * a new holder regenerate a response byte-exact after a migration (docs/protocol.md, section 5). Responses are
 * always {@code HTTP/1.1}; bodies are framed by Content-Length.
 */
public final class HttpResponses {

    private HttpResponses() {}

    /** The reason phrase of the codes this project uses. */
    public static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status " + status;
        };
    }

    /**
     * A head: status line, then {@code fields} in the given order, then
     * {@code Content-Length: contentLength} and, when {@code close}, {@code Connection: close};
     * for an HTTP/1.0 client kept alive, {@code Connection: keep-alive}.
     */
    public static byte[] head(int status, List<HttpField> fields, long contentLength,
            HttpVersion clientVersion, boolean keepAlive) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        for (HttpField f : fields) {
            sb.append(f.name()).append(": ").append(f.value()).append("\r\n");
        }
        sb.append("Content-Length: ").append(contentLength).append("\r\n");
        if (!keepAlive) {
            sb.append("Connection: close\r\n");
        } else if (clientVersion == HttpVersion.HTTP_1_0) {
            sb.append("Connection: keep-alive\r\n");
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A complete error response with a one-line {@code text/plain} body
     * ({@code 404 Not Found: no such file\n}); the body is left out for HEAD.
     */
    public static byte[] error(int status, String message, HttpVersion clientVersion,
            boolean keepAlive, boolean headRequest, List<HttpField> extraFields) {
        byte[] body = (status + " " + reason(status) + ": " + message + "\n")
                .getBytes(StandardCharsets.UTF_8);
        List<HttpField> fields = new java.util.ArrayList<>();
        fields.add(new HttpField("Content-Type", "text/plain; charset=utf-8"));
        fields.addAll(extraFields);
        byte[] head = head(status, fields, body.length, clientVersion, keepAlive);
        if (headRequest) {
            return head;
        }
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }
}
