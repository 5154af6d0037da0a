package org.mtcp.cli.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mtcp.http.HttpParseException;

/**
 * Turns a request target into a safe relative file path: the path component of an origin-form
 * ({@code /a/b?q}) or absolute-form ({@code http://host/a/b}) target, percent-decoded as UTF-8,
 * split into segments, with empty and {@code .} segments dropped.
 *
 * <p>Path traversal is refused, not clamped: a {@code ..} segment (also when encoded, e.g.
 * {@code %2e%2e}, or hidden behind an encoded slash {@code ..%2f}) is a 400, as are a backslash,
 * a NUL, malformed percent-encoding and invalid UTF-8. The result never starts with {@code /} and
 * never contains {@code ..}, so resolving it under a directory stays in that directory (symbolic
 * links are the file server's concern).
 */
public final class RequestTarget {

    private RequestTarget() {}

    /**
     * The relative path ({@code a/b.bin}; empty for the root) named by {@code target}.
     *
     * @throws HttpParseException 400 for anything that is not a safe path
     */
    public static String relativePath(String target) throws HttpParseException {
        String path = target;
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            int authorityStart = lower.indexOf("//") + 2;
            int slash = path.indexOf('/', authorityStart);
            int query = path.indexOf('?', authorityStart);
            if (slash < 0 || (query >= 0 && query < slash)) {
                path = "/" + (query >= 0 ? path.substring(query) : "");
            } else {
                path = path.substring(slash);
            }
        }
        if (!path.startsWith("/")) {
            throw new HttpParseException("request target must be an absolute path");
        }
        int cut = path.length();
        int q = path.indexOf('?');
        if (q >= 0) {
            cut = q;
        }
        int h = path.indexOf('#');
        if (h >= 0 && h < cut) {
            cut = h;
        }
        String decoded = percentDecode(path.substring(0, cut));
        List<String> segments = new ArrayList<>();
        for (String segment : decoded.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                throw new HttpParseException("path traversal refused");
            }
            segments.add(segment);
        }
        return String.join("/", segments);
    }

    static String percentDecode(String s) throws HttpParseException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new HttpParseException("malformed percent-encoding");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new HttpParseException("malformed percent-encoding");
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new HttpParseException("path is not valid UTF-8");
        }
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c == 0 || c == '\\' || c < 0x20 || c == 0x7f) {
                throw new HttpParseException("forbidden character in path");
            }
        }
        return decoded;
    }
}
