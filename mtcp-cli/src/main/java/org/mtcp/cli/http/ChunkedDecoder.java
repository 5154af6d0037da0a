package org.mtcp.cli.http;

/**
 * Incremental decoder of the chunked transfer coding (RFC 9112 section 7.1): chunk size lines
 * (hex, extensions ignored), chunk data, the last chunk, and a trailer section that is skipped.
 * Fed bytes split anywhere, it passes chunk data to a {@link Sink} and consumes exactly the bytes
 * of the chunked body, so bytes that follow stay with the caller.
 */
public final class ChunkedDecoder {

    /** Receives decoded body bytes. */
    @FunctionalInterface
    public interface Sink {
        void accept(byte[] buf, int off, int len) throws java.io.IOException;
    }

    /** Longest chunk-size line or trailer line accepted. */
    static final int MAX_LINE = 4096;

    private enum State { SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER_START, TRAILER_LINE, TRAILER_LF, END_LF, DONE }

    private State state = State.SIZE;
    private long size;
    private int digits;
    private long remaining;
    private int lineLength;

    /**
     * Decodes from {@code buf[off, off + len)}.
     *
     * @return the number of bytes consumed (fewer than {@code len} only once {@link #isDone()})
     */
    public int decode(byte[] buf, int off, int len, Sink sink) throws HttpParseException, java.io.IOException {
        int i = off;
        int end = off + len;
        while (i < end && state != State.DONE) {
            if (state == State.DATA) {
                int n = (int) Math.min(remaining, end - i);
                sink.accept(buf, i, n);
                i += n;
                remaining -= n;
                if (remaining == 0) {
                    state = State.DATA_CR;
                }
                continue;
            }
            byte b = buf[i++];
            switch (state) {
                case SIZE -> {
                    int d = Character.digit(b, 16);
                    if (d >= 0) {
                        if (++digits > 15) {
                            throw new HttpParseException("chunk size too large");
                        }
                        size = size << 4 | d;
                    } else if (digits > 0 && (b == ';' || b == ' ' || b == '\t')) {
                        state = State.EXTENSION;
                        lineLength = 0;
                    } else if (digits > 0 && b == '\r') {
                        state = State.SIZE_LF;
                    } else if (digits > 0 && b == '\n') {
                        endOfSizeLine();
                    } else {
                        throw new HttpParseException("malformed chunk size");
                    }
                }
                case EXTENSION -> {
                    if (b == '\r') {
                        state = State.SIZE_LF;
                    } else if (b == '\n') {
                        endOfSizeLine();
                    } else if (++lineLength > MAX_LINE) {
                        throw new HttpParseException("chunk extension too long");
                    }
                }
                case SIZE_LF -> {
                    if (b != '\n') {
                        throw new HttpParseException("bare CR in chunk size line");
                    }
                    endOfSizeLine();
                }
                case DATA_CR -> {
                    if (b == '\r') {
                        state = State.DATA_LF;
                    } else if (b == '\n') {
                        state = State.SIZE;
                    } else {
                        throw new HttpParseException("missing CRLF after chunk data");
                    }
                }
                case DATA_LF -> {
                    if (b != '\n') {
                        throw new HttpParseException("missing LF after chunk data");
                    }
                    state = State.SIZE;
                }
                case TRAILER_START -> {
                    if (b == '\r') {
                        state = State.END_LF;
                    } else if (b == '\n') {
                        state = State.DONE;
                    } else {
                        state = State.TRAILER_LINE;
                        lineLength = 1;
                    }
                }
                case TRAILER_LINE -> {
                    if (b == '\r') {
                        state = State.TRAILER_LF;
                    } else if (b == '\n') {
                        state = State.TRAILER_START;
                    } else if (++lineLength > MAX_LINE) {
                        throw new HttpParseException("trailer line too long");
                    }
                }
                case TRAILER_LF -> {
                    if (b != '\n') {
                        throw new HttpParseException("bare CR in trailer");
                    }
                    state = State.TRAILER_START;
                }
                case END_LF -> {
                    if (b != '\n') {
                        throw new HttpParseException("bare CR at end of chunked body");
                    }
                    state = State.DONE;
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        return i - off;
    }

    private void endOfSizeLine() {
        if (size == 0) {
            state = State.TRAILER_START;
        } else {
            remaining = size;
            state = State.DATA;
        }
        size = 0;
        digits = 0;
    }

    public boolean isDone() {
        return state == State.DONE;
    }
}
