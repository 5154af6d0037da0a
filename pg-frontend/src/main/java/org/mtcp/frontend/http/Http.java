package org.mtcp.frontend.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.mtcp.core.MigratedException;
import org.mtcp.frontend.batch.Lines;

/** Small helpers for writing whole responses. */
final class Http {

    private Http() {}

    static void json(Response response, int status, String body) throws IOException {
        send(response, status, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    static void error(Response response, int status, String code, String message, String path) throws IOException {
        json(response, status, Lines.error(code, message, path));
    }

    static void send(Response response, int status, String contentType, byte[] body) throws IOException {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        Callback.Completable done = new Callback.Completable();
        response.write(true, ByteBuffer.wrap(body), done);
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        } catch (ExecutionException e) {
            throw asIOException(e.getCause());
        }
    }

    static IOException asIOException(Throwable t) {
        MigratedException migrated = migrated(t);
        if (migrated != null) {
            return migrated;
        }
        return t instanceof IOException io ? io : new IOException(t);
    }

    /**
     * A failure the front-end expects and explains in one line (no stack trace): the database is
     * unreachable, the client closed its connection, or the transport reset it.
     */
    static boolean expected(Throwable t) {
        return t instanceof org.mtcp.frontend.engine.DatabaseUnavailableException
                || t instanceof org.mtcp.frontend.engine.ClientGoneException
                || t instanceof org.mtcp.core.ConnectionResetException;
    }

    /** The MigratedException in {@code t}'s causes, or null. */
    static MigratedException migrated(Throwable t) {
        for (Throwable x = t; x != null; x = x.getCause()) {
            if (x instanceof MigratedException m) {
                return m;
            }
            for (Throwable s : x.getSuppressed()) {
                if (s instanceof MigratedException m) {
                    return m;
                }
            }
            if (x.getCause() == x) {
                break;
            }
        }
        return null;
    }
}
