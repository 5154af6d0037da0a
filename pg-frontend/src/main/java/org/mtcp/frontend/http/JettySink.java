package org.mtcp.frontend.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.frontend.engine.ResponseSink;

/**
 * A batch response written through Jetty: one write, one chunk, per line. Jetty writes to the
 * connection synchronously ({@link org.mtcp.frontend.jetty.MtcpEndPoint}), so a write waits only
 * when the transport's retention is full (the client reads slowly or not at all): {@link #tryLine}
 * writes only when the transport has room for the whole chunk.
 */
final class JettySink implements ResponseSink {

    /** Room for a chunk's framing around a line ({@code CRLF HEX CRLF}) besides its bytes. */
    private static final int CHUNK_FRAMING = 32;

    private final Response response;
    private final MtcpServerConnection connection;
    private int lines;
    /** A line {@link #tryLine} left: its bytes not written yet, or its write under way. */
    private byte[] leftLine;
    private Callback.Completable leftWrite;

    JettySink(Response response, MtcpServerConnection connection) {
        this.response = response;
        this.connection = connection;
    }

    /** Commits the response head with no body bytes yet (Jetty writes the head alone). */
    void commitHead() throws IOException {
        await(start(false, ByteBuffer.allocate(0)));
    }

    @Override
    public void line(byte[] line) throws IOException {
        await(start(false, ByteBuffer.wrap(line)));
        lines++;
    }

    @Override
    public boolean writesWithoutWaiting() {
        return true;
    }

    @Override
    public boolean tryLine(byte[] line) {
        if (connection.writableWithoutBlocking() < line.length + CHUNK_FRAMING) {
            leftLine = line;
            return false;
        }
        Callback.Completable done = start(false, ByteBuffer.wrap(line));
        if (done.isDone() && !done.isCompletedExceptionally()) {
            lines++;
            return true;
        }
        leftWrite = done;   // under way, or failed: finishLine reports it as line() would
        return false;
    }

    @Override
    public void finishLine() throws IOException {
        byte[] line = leftLine;
        Callback.Completable write = leftWrite;
        leftLine = null;
        leftWrite = null;
        if (line != null) {
            line(line);
        } else if (write != null) {
            await(write);
            lines++;
        } else {
            throw new IllegalStateException("no line left by tryLine");
        }
    }

    @Override
    public int lines() {
        return lines;
    }

    @Override
    public void finish() throws IOException {
        await(start(true, ByteBuffer.allocate(0)));
    }

    private Callback.Completable start(boolean last, ByteBuffer buffer) {
        Callback.Completable done = new Callback.Completable();
        response.write(last, buffer, done);
        return done;
    }

    private static void await(Callback.Completable done) throws IOException {
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while writing the response");
        } catch (ExecutionException e) {
            throw Http.asIOException(e.getCause());
        }
    }
}
