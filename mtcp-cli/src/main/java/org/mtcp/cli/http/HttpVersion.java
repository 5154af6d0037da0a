package org.mtcp.cli.http;

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

    /**
     * Parses {@code HTTP/x.y}: 1.0 and 1.1 are returned, another well-formed version is a 505,
     * anything else a 400.
     */
    public static HttpVersion parse(String s) throws HttpParseException {
        if (s.equals("HTTP/1.1")) {
            return HTTP_1_1;
        }
        if (s.equals("HTTP/1.0")) {
            return HTTP_1_0;
        }
        if (s.length() == 8 && s.startsWith("HTTP/") && Character.isDigit(s.charAt(5))
                && s.charAt(6) == '.' && Character.isDigit(s.charAt(7))) {
            throw new HttpParseException(505, "unsupported HTTP version " + s);
        }
        throw new HttpParseException("malformed HTTP version");
    }

    @Override
    public String toString() {
        return text;
    }
}
