package org.mtcp.frontend.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.mtcp.core.MigratedException;
import org.mtcp.frontend.batch.BadRequestException;
import org.mtcp.frontend.batch.BatchParser;
import org.mtcp.frontend.batch.BatchRequest;
import org.mtcp.frontend.batch.Lines;
import org.mtcp.frontend.engine.BatchEngine;
import org.mtcp.frontend.engine.BatchOwnership;
import org.mtcp.frontend.engine.BatchStore;
import org.mtcp.frontend.engine.ClientGate;
import org.mtcp.frontend.engine.DatabaseGate;
import org.mtcp.frontend.engine.DatabaseUnavailableException;
import org.mtcp.frontend.engine.Hooks;
import org.mtcp.frontend.engine.Slowdown;
import org.mtcp.frontend.engine.Snapshot;
import org.mtcp.frontend.engine.SupersededException;
import org.mtcp.frontend.jetty.MtcpEndPoint;
import org.mtcp.frontend.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front-end's HTTP API (docs/http-api.md), as a Jetty core handler running on virtual threads
 * (it blocks). Every response that completes is followed by an {@link Snapshot.Idle} snapshot and
 * only then is the next request let in, so a migration between requests replays nothing and
 * loses nothing.
 */
public final class FrontendHandler extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(FrontendHandler.class);

    private final BatchEngine engine;
    private final BatchParser parser;
    private final Metrics metrics;
    private final Slowdown slowdown;
    private final String adminToken;
    private final int maxBodyBytes;
    private final DatabaseLoss databaseLoss;
    private final AppHandler app;
    private volatile OperatorControls controls;

    public FrontendHandler(BatchEngine engine, BatchParser parser, Metrics metrics, Slowdown slowdown,
            String adminToken, int maxBodyBytes, DatabaseLoss databaseLoss) {
        this(engine, parser, metrics, slowdown, adminToken, maxBodyBytes, databaseLoss, null);
    }

    /** With {@code app} (may be null) answering the requests the API does not own. */
    public FrontendHandler(BatchEngine engine, BatchParser parser, Metrics metrics, Slowdown slowdown,
            String adminToken, int maxBodyBytes, DatabaseLoss databaseLoss, AppHandler app) {
        super(InvocationType.BLOCKING);
        this.app = app;
        this.engine = engine;
        this.parser = parser;
        this.metrics = metrics;
        this.slowdown = slowdown;
        this.adminToken = adminToken == null || adminToken.isEmpty() ? null : adminToken;
        this.maxBodyBytes = maxBodyBytes;
        this.databaseLoss = databaseLoss;
    }

    /** The running server's controls, for /healthz and the admin endpoints; until bound, only serving is reported. */
    public void bind(OperatorControls controls) {
        this.controls = controls;
    }

    private OperatorControls.Phase phase() {
        OperatorControls c = controls;
        return c == null ? OperatorControls.Phase.SERVING : c.phase();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        MtcpEndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint() instanceof MtcpEndPoint e ? e : null;
        HttpConnectionState state = endPoint == null ? null : (HttpConnectionState) endPoint.attachment();
        if (endPoint != null && state != null) {
            Request.addCompletionListener(request, failure -> completed(endPoint, state, failure));
        }
        Snapshot.Replay pending = null;
        if (state != null) {
            pending = state.pending;
            state.pending = null;
        }
        try {
            route(request, response, endPoint, state, pending);
            callback.succeeded();
        } catch (Throwable t) {
            MigratedException migrated = Http.migrated(t);
            if (migrated != null) {
                LOG.debug("{}: connection moved away during {} {}", engine.frontend(), request.getMethod(), request.getHttpURI().getPath());
            } else if (Http.expected(t)) {
                LOG.warn("{}: {} {} stopped: {}", engine.frontend(), request.getMethod(), request.getHttpURI().getPath(), t.toString());
            } else {
                LOG.warn("{}: {} {} failed: {}", engine.frontend(), request.getMethod(), request.getHttpURI().getPath(), t.toString(), t);
            }
            callback.failed(t);
        }
        return true;
    }

    /** After a complete response: record "between requests" in a snapshot, then let the next request in. */
    private void completed(MtcpEndPoint endPoint, HttpConnectionState state, Throwable failure) {
        if (failure != null) {
            return;
        }
        if (endPoint.isOutputShutdown()) {
            // a response that ends the connection (Connection: close): Jetty shut the output down,
            // which closed the transport after the last byte; there is no next request
            endPoint.close();
            return;
        }
        try {
            long next = state.ordinal + 1;
            state.exporter.export(new Snapshot.Idle(next));
            state.ordinal = next;
            endPoint.releaseNextRequest();
        } catch (IOException e) {
            endPoint.close(e);
        }
    }

    /** A whole response computed before it is written. */
    private record Computed(int status, String contentType, byte[] body) {
        static Computed json(int status, String body) {
            return new Computed(status, "application/json", body.getBytes(StandardCharsets.UTF_8));
        }
    }

    @FunctionalInterface
    private interface Compute {
        Computed get() throws IOException;
    }

    /**
     * Answers with a response computed now (it changes over time), made replayable first: the
     * request's bytes and the response go into a {@link Snapshot.Replay}, so a front-end that
     * takes the connection over in the middle of the response writes the same bytes. On that
     * front-end, {@code pending} is the stored response and nothing is computed.
     */
    private void replayable(Response response, String path, MtcpEndPoint endPoint, HttpConnectionState state,
            Snapshot.Replay pending, Compute compute) throws IOException {
        Computed c;
        if (pending != null) {
            c = new Computed(pending.status(), pending.contentType(), pending.body());
        } else {
            c = compute.get();
            byte[] request = endPoint == null ? null : endPoint.currentRequest();
            if (state != null && request != null && request.length + c.body().length <= Snapshot.MAX_REPLAY) {
                state.exporter.export(new Snapshot.Replay(state.ordinal, request, c.status(), c.contentType(), c.body()));
                engine.hook(Hooks.Point.BEFORE_REPLAYABLE_RESPONSE, path, 0, endPoint.connection());
            }
        }
        Http.send(response, c.status(), c.contentType(), c.body());
    }

    private void route(Request request, Response response, MtcpEndPoint endPoint, HttpConnectionState state,
            Snapshot.Replay pending) throws Exception {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        if (path.equals("/v1/batches")) {
            if (!method.equals("POST")) {
                methodNotAllowed(response, "POST");
                return;
            }
            postBatch(request, response, endPoint, state);
        } else if (path.startsWith("/v1/batches/")) {
            if (!method.equals("GET")) {
                methodNotAllowed(response, "GET");
                return;
            }
            replayable(response, path, endPoint, state, pending, () -> getBatch(path.substring("/v1/batches/".length())));
        } else if (path.equals("/healthz")) {
            replayable(response, path, endPoint, state, pending, this::health);
        } else if (path.equals("/metrics")) {
            replayable(response, path, endPoint, state, pending, () -> new Computed(200,
                    Metrics.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8)));
        } else if (path.equals("/admin/slowdown") || path.equals("/admin/drain") || path.equals("/admin/pool")) {
            admin(request, response, path, endPoint, state, pending);
        } else if (app != null && pending != null) {
            replayable(response, path, endPoint, state, pending, null);   // an application reply stored before a migration
        } else {
            AppHandler.Reply reply = app == null ? null : app.handle(request);
            if (reply == null) {
                Http.error(response, 404, "not_found", "no such resource: " + path, null);
            } else if (reply.fixed()) {
                Http.send(response, reply.status(), reply.contentType(), reply.body());
            } else {
                replayable(response, path, endPoint, state, null,
                        () -> new Computed(reply.status(), reply.contentType(), reply.body()));
            }
        }
    }

    private static void methodNotAllowed(Response response, String allowed) throws IOException {
        response.getHeaders().put(HttpHeader.ALLOW, allowed);
        Http.error(response, 405, "method_not_allowed", "use " + allowed, null);
    }

    private void postBatch(Request request, Response response, MtcpEndPoint endPoint, HttpConnectionState state) throws Exception {
        if (request.getConnectionMetaData().getHttpVersion() != HttpVersion.HTTP_1_1) {
            refuse(response, 505, "http_version", "batches need HTTP/1.1 (the response is chunked)");
            return;
        }
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (contentType != null && !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            refuse(response, 415, "unsupported_media_type", "the body must be application/json, not " + contentType);
            return;
        }
        long declared = request.getLength();
        if (declared > maxBodyBytes) {
            refuse(response, 413, "too_large", "the body is " + declared + " bytes; the limit is " + maxBodyBytes);
            return;
        }
        byte[] body;
        try (InputStream in = Request.asInputStream(request)) {
            body = in.readNBytes(maxBodyBytes + 1);
        }
        if (body.length > maxBodyBytes) {
            refuse(response, 413, "too_large", "the body is over the limit of " + maxBodyBytes + " bytes");
            return;
        }
        BatchRequest batchRequest;
        try {
            batchRequest = parser.parse(body);
        } catch (BadRequestException e) {
            metrics.badRequest();
            Http.error(response, e.status(), e.code(), e.getMessage(), e.path());
            return;
        }
        if (endPoint == null || state == null) {
            refuse(response, 500, "not_migratory", "batches are served on M-TCP connections only");
            return;
        }
        // A generated id must be the same if this request is replayed on another front-end after a
        // migration before the first snapshot: it is derived from the connection and the request's ordinal.
        String id = batchRequest.id() != null ? batchRequest.id()
                : "c" + endPoint.connection().id() + "-" + state.ordinal;
        // a request whose client has gone starts nothing (the batch is created or taken over in a transaction)
        ClientGate.awaitClient(endPoint.connection(), engine.frontend(), id, 0);
        BatchEngine.Batch batch = null;
        SupersededException superseded = null;
        try {
            batch = engine.open(id, batchRequest, new BatchOwnership.Claimant(endPoint.connection().id().toString(),
                    state.ordinal, endPoint.connection().epoch()));
        } catch (BadRequestException e) {
            metrics.badRequest();
            Http.error(response, e.status(), e.code(), e.getMessage(), e.path());
            return;
        } catch (DatabaseUnavailableException e) {
            Http.error(response, 503, "database_unavailable", e.getMessage(), null);
            return;
        } catch (SupersededException e) {
            if (e.verdict() == BatchOwnership.Verdict.CONNECTION_MOVED_ON) {
                // this connection moved on while this front-end was opening the batch: stop here
                throw new org.mtcp.core.MigratedException(endPoint.connection().id(), endPoint.connection().epoch());
            }
            // a replay of a request that a newer one superseded: the same head, then taken-over (below)
            superseded = e;
        }
        if (batch != null) {
            metrics.batchStarted();
        }
        boolean closeAfter = request.getHeaders().contains(HttpHeader.CONNECTION, "close");
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-ndjson");
        response.getHeaders().put("Batch-Id", id);
        JettySink sink = new JettySink(response, endPoint.connection());
        engine.hook(Hooks.Point.BEFORE_HEAD, id, 0, endPoint.connection());
        // The slow-down knob delays every response, the head included: a client whose
        // response-time policy sees no byte in time moves before anything has run.
        slowdown.pause();
        sink.commitHead();
        engine.hook(Hooks.Point.AFTER_HEAD, id, 0, endPoint.connection());
        if (superseded != null) {
            engine.endSuperseded(id, superseded, null, sink, state.exporter, state.ordinal, closeAfter);
            return;
        }
        // Snapshot #0: the head is out, nothing has run yet; a resuming front-end starts at seq 1.
        state.exporter.export(new Snapshot.InBatch(state.ordinal, closeAfter, id, batch.session(), 1, null, 0));
        try {
            engine.run(batch, 1, sink, state.exporter, state.ordinal, closeAfter);
        } catch (DatabaseUnavailableException e) {
            if (e.movable() && databaseLoss.handle(state.exporter, e) == DatabaseLoss.Outcome.MOVED) {
                throw new MigratedException(endPoint.connection().id(), endPoint.connection().epoch());
            }
            engine.endUnavailable(id, e, 1, sink, state.exporter, state.ordinal, closeAfter);
        }
    }

    private void refuse(Response response, int status, String code, String message) throws IOException {
        metrics.badRequest();
        Http.error(response, status, code, message, null);
    }

    private Computed getBatch(String id) throws IOException {
        if (!BatchParser.BATCH_ID.matcher(id).matches()) {
            return Computed.json(404, Lines.error("not_found", "no batch " + id, null));
        }
        BatchStore store = engine.store();
        try {
            Optional<BatchStore.StoredBatch> batch = store.find(id);
            if (batch.isEmpty()) {
                return Computed.json(404, Lines.error("not_found", "no batch " + id, null));
            }
            var mapper = BatchParser.mapper();
            ObjectNode root = mapper.createObjectNode();
            BatchStore.StoredBatch b = batch.get();
            root.put("batch", b.id());
            root.put("transactions", b.transactions());
            root.put("createdBy", b.createdBy());
            root.put("createdAt", b.createdAt());
            var outcomes = store.outcomes(id);
            long committed = outcomes.stream().filter(o -> o.outcome().equals("committed")).count();
            root.put("recorded", outcomes.size());
            root.put("committed", committed);
            root.put("aborted", outcomes.size() - committed);
            root.put("complete", outcomes.size() == b.transactions());
            ArrayNode list = root.putArray("outcomes");
            for (BatchStore.Outcome o : outcomes) {
                list.add(mapper.readTree(o.line()));
            }
            root.set("request", mapper.readTree(b.request()).get("transactions"));
            return Computed.json(200, mapper.writeValueAsString(root) + "\n");
        } catch (SQLException e) {
            metrics.databaseError();
            return Computed.json(503, Lines.error("database_unavailable", "database unavailable: " + DatabaseGate.cause(e), null));
        }
    }

    private Computed health() {
        ObjectNode root = BatchParser.mapper().createObjectNode();
        root.put("frontend", engine.frontend());
        if (phase() != OperatorControls.Phase.SERVING) {
            // A load balancer stops sending new clients here; the ones held are moving to peers.
            root.put("status", "draining");
            return Computed.json(503, root + "\n");
        }
        // The database gate answers at once while the database is known down; otherwise this waits
        // at most --db-timeout for a connection (validated by the pool) and one round trip.
        try (Connection c = engine.store().dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
            root.put("status", "ok");
            root.put("database", "ok");
            return Computed.json(200, root + "\n");
        } catch (SQLException e) {
            metrics.databaseError();
            root.put("status", "unavailable");
            root.put("database", "unreachable: " + DatabaseGate.cause(e));
            return Computed.json(503, root + "\n");
        }
    }

    /**
     * POST /admin/drain: starts a drain (202; the server stops once its clients have moved).
     * POST /admin/pool: reloads the pool file (200 with the members, 400 when the file is refused).
     * Not replayable: an operator's action is answered by the server that did it.
     */
    private void operatorAction(Request request, Response response, String path) throws IOException {
        if (!request.getMethod().equals("POST")) {
            methodNotAllowed(response, "POST");
            return;
        }
        OperatorControls c = controls;
        if (c == null) {
            Http.error(response, 503, "starting", "the front-end is still starting", null);
            return;
        }
        ObjectNode root = BatchParser.mapper().createObjectNode();
        root.put("frontend", engine.frontend());
        if (path.equals("/admin/drain")) {
            c.startDrain("POST /admin/drain");
            root.put("status", "draining");
            Http.json(response, 202, root + "\n");
            return;
        }
        OperatorControls.PoolChange change;
        try {
            change = c.reloadPool();
        } catch (IOException | IllegalArgumentException e) {
            Http.error(response, 400, "bad_pool_file", "the pool file was not reloaded: " + e.getMessage(), null);
            return;
        }
        root.putPOJO("members", change.members());
        root.putPOJO("added", change.added());
        root.putPOJO("removed", change.removed());
        Http.json(response, 200, root + "\n");
    }

    private void admin(Request request, Response response, String path, MtcpEndPoint endPoint, HttpConnectionState state,
            Snapshot.Replay pending) throws Exception {
        if (adminToken == null) {
            Http.error(response, 404, "not_found", "the admin endpoints are disabled (no admin token configured)", null);
            return;
        }
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (auth == null || !auth.startsWith("Bearer ")) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
            Http.error(response, 401, "unauthorized", "an admin token is required (Authorization: Bearer ...)", null);
            return;
        }
        if (!MessageDigest.isEqual(auth.substring(7).trim().getBytes(StandardCharsets.UTF_8),
                adminToken.getBytes(StandardCharsets.UTF_8))) {
            Http.error(response, 403, "forbidden", "wrong admin token", null);
            return;
        }
        if (path.equals("/admin/drain") || path.equals("/admin/pool")) {
            operatorAction(request, response, path);
            return;
        }
        if (request.getMethod().equals("GET")) {
            replayable(response, path, endPoint, state, pending,
                    () -> Computed.json(200, "{\"delayMs\":" + slowdown.delayMillis() + "}\n"));
            return;
        }
        if (!request.getMethod().equals("POST")) {
            methodNotAllowed(response, "GET, POST");
            return;
        }
        byte[] body;
        try (InputStream in = Request.asInputStream(request)) {
            body = in.readNBytes(4097);
        }
        JsonNode node;
        try {
            node = BatchParser.mapper().readTree(body);
        } catch (IOException e) {
            Http.error(response, 400, "malformed_json", "the body is not valid JSON", null);
            return;
        }
        JsonNode delay = node == null ? null : node.get("delayMs");
        if (delay == null || !delay.canConvertToLong() || !delay.isIntegralNumber() || delay.longValue() < 0 || delay.longValue() > 600_000) {
            Http.error(response, 400, "bad_request", "expected {\"delayMs\": 0 to 600000}", "delayMs");
            return;
        }
        slowdown.set(delay.longValue());
        LOG.info("{}: slow-down set to {} ms before each response line", engine.frontend(), delay.longValue());
        Http.json(response, 200, "{\"delayMs\":" + slowdown.delayMillis() + "}\n");
    }
}
