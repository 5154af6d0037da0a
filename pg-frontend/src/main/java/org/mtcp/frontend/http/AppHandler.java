package org.mtcp.frontend.http;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * An application's own HTTP resources, served by a front-end beside the batch API: a browser
 * page, its scripts, application endpoints. It is asked about every request whose path the API
 * does not own ({@code /v1/batches...}, {@code /healthz}, {@code /metrics}, {@code /admin/...}),
 * on a virtual thread that may block; it writes a complete response and returns true, or returns
 * false and the front-end answers 404.
 *
 * <p>These responses travel on migratory connections too: a front-end that takes a connection
 * over in the middle of one answers the request again from the start, and the bytes it produces
 * must equal the ones the first front-end produced (no {@code Date} or {@code Last-Modified}, no
 * per-server content), or the transport resets the connection (non-deterministic replay). The
 * front-end exports the between-requests snapshot after the response, as for its own endpoints.
 */
@FunctionalInterface
public interface AppHandler {

    /** Answers {@code request} completely and returns true, or returns false (not found). */
    boolean handle(Request request, Response response) throws Exception;
}
