package org.mtcp.http;

import java.util.List;
import java.util.Optional;

/**
 * A parsed response head: status line and header fields. Where its body ends is the
 * {@link HttpMessageParser}'s job, not the head's.
 *
 * @param version the server's HTTP version
 * @param status the three-digit status code
 * @param reason the reason phrase (possibly empty)
 * @param fields header fields in order of arrival
 */
public record HttpResponseHead(HttpVersion version, int status, String reason, List<HttpField> fields) {

    public HttpResponseHead {
        fields = List.copyOf(fields);
    }

    /** The first value of the named field (case-insensitive), if any. */
    public Optional<String> header(String name) {
        return HttpField.first(fields, name);
    }

    /** An interim response ({@code 100 Continue}, {@code 103}): the final one follows on the stream. */
    public boolean isInterim() {
        return status / 100 == 1 && status != 101;
    }
}
