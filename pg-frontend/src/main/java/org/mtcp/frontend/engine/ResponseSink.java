package org.mtcp.frontend.engine;

import java.io.IOException;

/**
 * Where a batch response's chunks go: Jetty's response on the front-end that received the
 * request, or a {@link ChunkedWriter} that continues Jetty's exact bytes on a front-end that
 * resumed it. Each call returns once the bytes are in the transport.
 */
public interface ResponseSink {

    /** Writes one NDJSON line as one HTTP chunk. */
    void line(byte[] line) throws IOException;

    /**
     * Writes one line as {@link #line} does if that needs no waiting (the transport has room, the
     * write completes at once) and returns true; otherwise returns false with the line left to
     * {@link #finishLine()}, which the request's thread must call next. A thread that must never
     * wait for a slow client (a transaction thread) writes through this. Only sinks that say
     * {@link #writesWithoutWaiting()} implement it.
     */
    default boolean tryLine(byte[] line) throws IOException {
        throw new UnsupportedOperationException("this sink has no write that never waits");
    }

    /** Completes the line that {@link #tryLine} left (waits for the transport, like {@link #line}). */
    default void finishLine() throws IOException {
        throw new IllegalStateException("no line left by tryLine");
    }

    /** Whether {@link #tryLine} is available. */
    default boolean writesWithoutWaiting() {
        return false;
    }

    /** Chunks written so far in this response. */
    int lines();

    /** Ends the response (the terminal chunk). */
    void finish() throws IOException;
}
