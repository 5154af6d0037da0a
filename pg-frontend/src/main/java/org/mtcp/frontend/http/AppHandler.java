package org.mtcp.frontend.http;

import java.util.Objects;
import org.eclipse.jetty.server.Request;

/**
 * An application's own HTTP resources, served by a front-end beside the batch API: a browser
 * page, its scripts, application endpoints. It is asked about every request whose path the API
 * does not own ({@code /v1/batches...}, {@code /healthz}, {@code /metrics}, {@code /admin/...}),
 * on a virtual thread that may block, and returns the whole response, or null (the front-end
 * answers 404). The front-end writes it ({@code Content-Type} and {@code Content-Length}, no
 * other header) and exports the between-requests snapshot after it, as for its own endpoints.
 *
 * <p>These responses travel on migratory connections: a front-end that takes a connection over
 * in the middle of one must write the same bytes. A {@linkplain Reply#fixed fixed} reply (a
 * static file: the same request always gets the same bytes, on every front-end) is simply
 * produced again. Any other reply (state that changes over time, the result of an action) is
 * made replayable like the API's computed responses: the request and the reply go into a
 * snapshot before the first byte is written, and the next front-end writes the stored reply
 * without asking the application again. An action whose reply was not stored yet when the
 * connection moved runs again on the next front-end, so actions should be idempotent.
 */
@FunctionalInterface
public interface AppHandler {

    /**
     * A complete response.
     *
     * @param fixed true when the same request always gets exactly these bytes on every front-end
     */
    record Reply(int status, String contentType, byte[] body, boolean fixed) {
        public Reply {
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
        }

        /** A static resource. */
        public static Reply fixed(int status, String contentType, byte[] body) {
            return new Reply(status, contentType, body, true);
        }

        /** A response computed now, made replayable by the front-end. */
        public static Reply computed(int status, String contentType, byte[] body) {
            return new Reply(status, contentType, body, false);
        }
    }

    /** The response to {@code request}, or null when the application has no such resource. */
    Reply handle(Request request) throws Exception;
}
