package org.mtcp.http;

/** The two HTTP/1 versions this package speaks. */
public enum HttpVersion {
    HTTP_1_0("HTTP/1.0"),
    HTTP_1_1("HTTP/1.1");

    private final String text;

    HttpVersion(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    /** Jetty's version of a parsed start line; another than 1.0 and 1.1 is a 505. */
    static HttpVersion of(org.eclipse.jetty.http.HttpVersion version) throws HttpParseException {
        if (version == null) {
            throw new HttpParseException("malformed HTTP version");
        }
        return switch (version) {
            case HTTP_1_0 -> HTTP_1_0;
            case HTTP_1_1 -> HTTP_1_1;
            default -> throw new HttpParseException(505, "unsupported HTTP version " + version.asString());
        };
    }

    @Override
    public String toString() {
        return text;
    }
}
