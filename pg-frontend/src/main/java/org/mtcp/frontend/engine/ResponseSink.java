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

    /** Chunks written so far in this response. */
    int lines();

    /** Ends the response (the terminal chunk). */
    void finish() throws IOException;
}
