package org.mtcp.cli.http;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A parsed response head: status line and header fields.
 *
 * @param version the server's HTTP version
 * @param status the three-digit status code
 * @param reason the reason phrase (possibly empty)
 * @param fields header fields in order of arrival
 */
public record HttpResponseHead(HttpVersion version, int status, String reason, List<HttpField> fields) {

    /** How the body that follows the head is delimited (RFC 9112 section 6.3). */
    public enum Framing { NONE, CONTENT_LENGTH, CHUNKED, UNTIL_CLOSE }

    public HttpResponseHead {
        fields = List.copyOf(fields);
    }

    public Optional<String> header(String name) {
        return fields.stream().filter(f -> f.is(name)).map(HttpField::value).findFirst();
    }

    /** The framing of the body of this response to a request with {@code requestMethod}. */
    public Framing framing(String requestMethod) {
        if (requestMethod.equals("HEAD") || status / 100 == 1 || status == 204 || status == 304) {
            return Framing.NONE;
        }
        Optional<String> te = header("Transfer-Encoding");
        if (te.isPresent()) {
            return te.get().toLowerCase(Locale.ROOT).trim().endsWith("chunked")
                    ? Framing.CHUNKED : Framing.UNTIL_CLOSE;
        }
        return header("Content-Length").isPresent() ? Framing.CONTENT_LENGTH : Framing.UNTIL_CLOSE;
    }

    /** The Content-Length value. */
    public long contentLength() throws HttpParseException {
        String value = header("Content-Length").orElseThrow(
                () -> new HttpParseException("no Content-Length"));
        if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new HttpParseException("invalid Content-Length: " + value);
        }
        for (HttpField f : fields) {
            if (f.is("Content-Length") && !f.value().equals(value)) {
                throw new HttpParseException("conflicting Content-Length fields");
            }
        }
        return Long.parseLong(value);
    }

    /** Interprets a status line {@code HTTP/1.1 200 OK}. */
    static HttpResponseHead interpret(String statusLine, List<HttpField> fields) throws HttpParseException {
        int sp1 = statusLine.indexOf(' ');
        if (sp1 < 0 || statusLine.length() < sp1 + 4) {
            throw new HttpParseException("malformed status line");
        }
        HttpVersion version = HttpVersion.parse(statusLine.substring(0, sp1));
        String code = statusLine.substring(sp1 + 1, sp1 + 4);
        if (!code.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new HttpParseException("malformed status code");
        }
        String reason = "";
        if (statusLine.length() > sp1 + 4) {
            if (statusLine.charAt(sp1 + 4) != ' ') {
                throw new HttpParseException("malformed status line");
            }
            reason = statusLine.substring(sp1 + 5);
        }
        return new HttpResponseHead(version, Integer.parseInt(code), reason, fields);
    }
}
