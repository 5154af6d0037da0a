package org.mtcp.http;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A parsed request head.
 *
 * @param method the method token, case-sensitive ({@code GET}, {@code HEAD}, ...)
 * @param target the request target as sent (origin-form {@code /a/b?q}, absolute-form, or
 *     {@code *})
 * @param version HTTP/1.0 or HTTP/1.1
 * @param fields header fields in order of arrival
 */
public record HttpRequest(String method, String target, HttpVersion version, List<HttpField> fields) {

    public HttpRequest {
        fields = List.copyOf(fields);
    }

    /** The first value of the named field (case-insensitive), if any. */
    public Optional<String> header(String name) {
        return HttpField.first(fields, name);
    }

    /** Whether the connection stays open after the response (RFC 9112 section 9.3). */
    public boolean keepAlive() {
        boolean close = hasConnectionOption("close");
        if (version == HttpVersion.HTTP_1_1) {
            return !close;
        }
        return !close && hasConnectionOption("keep-alive");
    }

    private boolean hasConnectionOption(String option) {
        for (HttpField f : fields) {
            if (f.is("Connection")) {
                for (String token : f.value().split(",")) {
                    if (token.trim().toLowerCase(Locale.ROOT).equals(option)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** True when a body follows the head (Content-Length above 0, or any Transfer-Encoding). */
    public boolean hasBody() {
        if (header("Transfer-Encoding").isPresent()) {
            return true;
        }
        OptionalLong length = contentLength();
        return length.isPresent() && length.getAsLong() > 0;
    }

    /** The validated Content-Length ({@link HttpMessageParser} rejects invalid ones). */
    public OptionalLong contentLength() {
        return header("Content-Length").map(v -> OptionalLong.of(Long.parseLong(v)))
                .orElse(OptionalLong.empty());
    }
}
