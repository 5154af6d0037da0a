package org.mtcp.frontend.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.mtcp.frontend.engine.ResponseSink;

/** A batch response written through Jetty: one blocking write, one chunk, per line. */
final class JettySink implements ResponseSink {

    private final Response response;
    private int lines;

    JettySink(Response response) {
        this.response = response;
    }

    /** Commits the response head with no body bytes yet (Jetty writes the head alone). */
    void commitHead() throws IOException {
        write(false, ByteBuffer.allocate(0));
    }

    @Override
    public void line(byte[] line) throws IOException {
        write(false, ByteBuffer.wrap(line));
        lines++;
    }

    @Override
    public int lines() {
        return lines;
    }

    @Override
    public void finish() throws IOException {
        write(true, ByteBuffer.allocate(0));
    }

    private void write(boolean last, ByteBuffer buffer) throws IOException {
        Callback.Completable done = new Callback.Completable();
        response.write(last, buffer, done);
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
