package org.mtcp.cli.proxy;

import java.util.Locale;

/**
 * Follows the framing of the HTTP/1.1 responses in one direction of a relayed connection, byte by
 * byte, only to tell where each response ends: {@link #feed} returns how many responses it
 * completed. Heads end at an empty line; bodies are framed by {@code Content-Length} or chunked
 * encoding (with trailers); 1xx heads are skipped; 204 and 304 have no body.
 *
 * <p>When a response can't be delimited (no length and not chunked: it ends when the connection
 * does; a {@code 101} upgrade; a malformed head or chunk line), the framing is {@link #lost()}
 * for the rest of the connection, and so is a stream that does not begin as HTTP/1.x responses do
 * (at its first byte that differs). It never changes a byte. Responses to {@code HEAD} requests
 * carry a length but no body, which only the requests tell: the proxy gives up the framing of a
 * connection whose client sends one ({@link HttpRequestWatch}).
 *
 * <p>Public for other HTTP clients that must find where a response ends (the demo's own calls
 * to the front-ends); not thread-safe, one instance per response stream.
 */
public final class HttpResponseFraming {

    public HttpResponseFraming() {}

    private enum State { HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, LOST }

    private static final int MAX_LINE = 16 * 1024;
    private static final String STATUS_PREFIX = "HTTP/1.";

    private State state = State.HEAD;
    private final StringBuilder line = new StringBuilder();
    private int status;
    private long contentLength;
    private boolean chunked;
    private long remaining;
    private boolean headStarted;

    /** Consumes {@code n} bytes of the response stream; returns the number of responses completed in them. */
    public int feed(byte[] bytes, int offset, int n) {
        int completed = 0;
        int i = offset;
        int end = offset + n;
        while (i < end && state != State.LOST) {
            switch (state) {
                case BODY, CHUNK_DATA -> {
                    int take = (int) Math.min(remaining, end - i);
                    i += take;
                    remaining -= take;
                    if (remaining == 0) {
                        if (state == State.BODY) {
                            completed++;
                            state = State.HEAD;
                        } else {
                            state = State.CHUNK_END;
                        }
                    }
                }
                default -> {
                    byte b = bytes[i++];
                    if (b != '\n') {
                        if (line.length() >= MAX_LINE || notAStatusLine(b)) {
                            state = State.LOST;
                        } else if (b != '\r') {
                            line.append((char) (b & 0xff));
                        }
                        continue;
                    }
                    String text = line.toString();
                    line.setLength(0);
                    if (line(text)) {
                        completed++;
                    }
                }
            }
        }
        return completed;
    }

    /**
     * True if {@code b} cannot continue the status line being read: the responses are not HTTP
     * (a binary protocol may send no line end for a long time; it is recognized at its first byte).
     */
    private boolean notAStatusLine(byte b) {
        return state == State.HEAD && !headStarted && b != '\r' && line.length() < STATUS_PREFIX.length()
                && b != STATUS_PREFIX.charAt(line.length());
    }

    /** True once the responses can no longer be delimited. */
    public boolean lost() {
        return state == State.LOST;
    }

    /** One line (without CRLF) in a line-oriented state; true if it completed a response. */
    private boolean line(String text) {
        switch (state) {
            case HEAD -> {
                if (!headStarted) {
                    if (text.isEmpty()) {
                        return false;                 // tolerated blank line between responses
                    }
                    if (!text.startsWith("HTTP/1.") || text.length() < 12) {
                        state = State.LOST;
                        return false;
                    }
                    try {
                        status = Integer.parseInt(text.substring(9, 12));
                    } catch (NumberFormatException e) {
                        state = State.LOST;
                        return false;
                    }
                    headStarted = true;
                    contentLength = -1;
                    chunked = false;
                    return false;
                }
                if (!text.isEmpty()) {
                    header(text);
                    return false;
                }
                headStarted = false;
                return endOfHead();
            }
            case CHUNK_SIZE -> {
                int semi = text.indexOf(';');
                String hex = (semi < 0 ? text : text.substring(0, semi)).trim();
                try {
                    remaining = Long.parseLong(hex, 16);
                } catch (NumberFormatException e) {
                    state = State.LOST;
                    return false;
                }
                if (remaining < 0) {
                    state = State.LOST;
                } else {
                    state = remaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
                }
                return false;
            }
            case CHUNK_END -> {
                if (!text.isEmpty()) {
                    state = State.LOST;
                    return false;
                }
                state = State.CHUNK_SIZE;
                return false;
            }
            case TRAILERS -> {
                if (text.isEmpty()) {
                    state = State.HEAD;
                    return true;
                }
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    private void header(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            return;
        }
        String name = text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = text.substring(colon + 1).trim();
        if (name.equals("content-length")) {
            try {
                contentLength = Long.parseLong(value);
            } catch (NumberFormatException e) {
                state = State.LOST;
            }
        } else if (name.equals("transfer-encoding")) {
            chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
        }
    }

    private boolean endOfHead() {
        if (state == State.LOST) {
            return false;
        }
        if (status == 101) {
            state = State.LOST;                       // upgraded: no more HTTP here
            return false;
        }
        if (status >= 100 && status < 200) {
            return false;                             // interim response: the real one follows
        }
        if (status == 204 || status == 304) {
            return true;
        }
        if (chunked) {
            state = State.CHUNK_SIZE;
            return false;
        }
        if (contentLength >= 0) {
            if (contentLength == 0) {
                return true;
            }
            remaining = contentLength;
            state = State.BODY;
            return false;
        }
        state = State.LOST;                           // delimited by the end of the connection
        return false;
    }

    @Override
    public String toString() {
        return "HttpResponseFraming[" + state + "]";
    }
}
