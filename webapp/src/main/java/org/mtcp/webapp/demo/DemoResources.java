package org.mtcp.webapp.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.eclipse.jetty.server.Request;
import org.mtcp.core.ClientOptions;
import org.mtcp.frontend.http.AppHandler;

/**
 * What the front-ends serve for the demo besides the batch API (every front-end serves the same,
 * so the page works whichever one holds the browser's connection):
 *
 * <ul>
 *   <li>{@code GET /} and {@code GET /static/NAME}: the page, its script and style sheet, from
 *       the class path ({@code static/}), byte-identical on every front-end;
 *   <li>{@code GET /demo/config}: the pool's front-end names and the demo's settings;
 *   <li>{@code GET /demo/accounts}: the accounts, their balances and the total (read-only SQL);
 *   <li>{@code GET /demo/frontends}: each front-end's restart phase, and, when it is serving, its
 *       slow-down and health, asked of that front-end;
 *   <li>{@code POST /demo/frontends/NAME/slowdown {"delayMs": N}}: sets front-end NAME's
 *       slow-down by calling <em>its</em> admin endpoint with the admin token, over an M-TCP
 *       connection to that front-end alone ({@link MtcpHttp});
 *   <li>{@code POST /demo/frontends/NAME/restart {"request": ID}}: drains front-end NAME and starts
 *       it again ({@link FrontendRestarts}, asked with the admin token); 202 at once, the page
 *       follows the phase in {@code /demo/frontends}.
 *   <li>{@code POST /demo/frontends/NAME/kill {"request": ID}}: crashes front-end NAME
 *       ({@link FrontendRestarts#kill}, asked with the admin token); 202 at once; it starts again
 *       after a while.
 *   <li>{@code POST /demo/admin/frontends/NAME/kill}: the same for a script or a test, which must
 *       present the admin token itself ({@code Authorization: Bearer TOKEN}): 401 without one, 403
 *       with a wrong one, as a front-end's own admin endpoints answer.
 * </ul>
 *
 * <p>Static files are {@linkplain Reply#fixed fixed} replies (a front-end that takes a connection
 * over mid-response writes them again); the others change over time and are computed replies,
 * which the front-end stores for a replay before writing them.
 *
 * <p>The last two are a demo-only bridge: the page never sees the admin token, but whoever can
 * load the page can slow the front-ends down. Only {@code mtcp demo} installs it (on loopback by
 * default); a production front-end serves none of {@code /demo/*}.
 */
final class DemoResources implements AppHandler {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STATIC = Pattern.compile("/static/([a-z0-9][a-z0-9_-]*\\.(?:html|js|css|svg))");
    private static final Pattern ACTION = Pattern.compile("/demo/frontends/([A-Za-z0-9._-]{1,64})/(slowdown|restart|kill)");
    private static final Pattern ADMIN_KILL = Pattern.compile("/demo/admin/frontends/([A-Za-z0-9._-]{1,64})/kill");
    private static final long MAX_DELAY_MS = 60_000;

    private final Map<String, InetSocketAddress> frontends;
    /** How the demo's own calls reach a front-end (its TLS or plaintext). */
    private final ClientOptions links;
    private final DataSource database;
    private final String adminToken;
    private final byte[] config;
    private final Consumer<String> events;
    private final FrontendRestarts restarts;
    private final Map<String, Optional<byte[]>> files = new ConcurrentHashMap<>();

    /**
     * @param frontends the pool's front-ends by name (service addresses), in pool order
     * @param links the options of the demo's own calls to a front-end (its TLS or plaintext)
     * @param database read access to the bank (the page's account list)
     * @param adminToken the front-ends' admin token (never sent to the browser)
     * @param settings what the page shows and uses: pace, slow-down, policy threshold, ...
     * @param events where to report the slow-down changes (the demo's terminal; restarts report their own)
     * @param restarts the restarts of the front-ends, and their phases
     */
    DemoResources(Map<String, InetSocketAddress> frontends, ClientOptions links, DataSource database, String adminToken,
            Map<String, Object> settings, Consumer<String> events, FrontendRestarts restarts) {
        this.frontends = new LinkedHashMap<>(frontends);
        this.links = links;
        this.database = database;
        this.adminToken = adminToken;
        this.events = events;
        this.restarts = restarts;
        ObjectNode c = JSON.createObjectNode();
        c.putPOJO("frontends", frontends.keySet());
        settings.forEach(c::putPOJO);
        try {
            this.config = (JSON.writeValueAsString(c) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("settings are not JSON-serializable", e);
        }
    }

    @Override
    public Reply handle(Request request) throws Exception {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        if (path.equals("/") || path.equals("/index.html")) {
            return method.equals("GET") ? file("index.html") : methodNotAllowed("GET");
        }
        Matcher m = STATIC.matcher(path);
        if (m.matches()) {
            return method.equals("GET") ? file(m.group(1)) : methodNotAllowed("GET");
        }
        if (path.equals("/demo/config")) {
            return method.equals("GET") ? Reply.fixed(200, "application/json", config) : methodNotAllowed("GET");
        }
        if (path.equals("/demo/accounts")) {
            return method.equals("GET") ? accounts() : methodNotAllowed("GET");
        }
        if (path.equals("/demo/frontends")) {
            return method.equals("GET") ? frontendStates() : methodNotAllowed("GET");
        }
        m = ACTION.matcher(path);
        if (m.matches() && !method.equals("POST")) {
            return methodNotAllowed("POST");
        }
        if (m.matches()) {
            return switch (m.group(2)) {
                case "slowdown" -> slowdown(request, m.group(1));
                case "restart" -> restart(request, m.group(1));
                default -> kill(request, m.group(1), adminToken);
            };
        }
        m = ADMIN_KILL.matcher(path);
        if (m.matches()) {
            return method.equals("POST") ? adminKill(request, m.group(1)) : methodNotAllowed("POST");
        }
        return null;
    }

    private static Reply methodNotAllowed(String allowed) throws IOException {
        return error(405, "method_not_allowed", "use " + allowed);
    }

    /** A file of {@code static/}: the same bytes on every front-end, or null (404). */
    private Reply file(String name) {
        Optional<byte[]> body = files.computeIfAbsent(name, DemoResources::load);
        return body.map(b -> Reply.fixed(200, contentType(name), b)).orElse(null);
    }

    private static Optional<byte[]> load(String name) {
        try (InputStream in = DemoResources.class.getResourceAsStream("/static/" + name)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        } else if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        } else if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "image/svg+xml";
    }

    private Reply accounts() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("accounts");
        long total = 0;
        try (Connection c = database.getConnection(); Statement st = c.createStatement()) {
            // One statement, one snapshot: the balances and their total are consistent.
            try (ResultSet rs = st.executeQuery("SELECT id, balance FROM bank.accounts ORDER BY id")) {
                while (rs.next()) {
                    list.addObject().put("id", rs.getLong(1)).put("balance", rs.getLong(2));
                    total += rs.getLong(2);
                }
            }
        } catch (SQLException e) {
            return error(503, "database_unavailable", "cannot read the accounts: " + e.getMessage());
        }
        root.put("total", total);
        return json(200, root);
    }

    private Reply frontendStates() throws IOException {
        ArrayNode list = JSON.createArrayNode();
        for (var fe : frontends.entrySet()) {
            FrontendRestarts.Status status = restarts.status(fe.getKey());
            ObjectNode node = list.addObject().put("name", fe.getKey()).put("phase", status.phase().label());
            if (status.phase() != FrontendPhase.SERVING) {
                // Restarting (refusing clients, or not running at all) or stopped: nothing to ask it.
                node.put("up", false);
                if (status.error() != null) {
                    node.put("error", status.error());
                }
                continue;
            }
            try {
                MtcpHttp.Reply reply = MtcpHttp.exchange(List.of(fe.getValue()), links, "GET", "/admin/slowdown", adminToken, null);
                if (reply.status() == 200) {
                    node.put("delayMs", JSON.readTree(reply.body()).path("delayMs").asLong());
                    node.put("up", true);
                } else {
                    node.put("up", false).put("error", "admin endpoint answered " + reply.status());
                }
                MtcpHttp.Reply health = MtcpHttp.exchange(List.of(fe.getValue()), links, "GET", "/healthz", null, null);
                node.put("health", JSON.readTree(health.body()).path("status").asText("unknown"));
            } catch (IOException e) {
                node.put("up", false).put("error", FrontendRestarts.describe(e));
            }
        }
        ObjectNode root = JSON.createObjectNode();
        root.set("frontends", list);
        return json(200, root);
    }

    private Reply slowdown(Request request, String name) throws IOException {
        InetSocketAddress address = frontends.get(name);
        if (address == null) {
            return error(404, "not_found", "no front-end named " + name);
        }
        FrontendPhase phase = restarts.status(name).phase();
        if (phase != FrontendPhase.SERVING) {
            return error(409, "not_serving", name + " is not serving (" + phase.label() + "): set its slow-down once it is back");
        }
        JsonNode body = readJson(request);
        if (body == null) {
            return error(400, "malformed_json", "the body is not valid JSON");
        }
        JsonNode delay = body.get("delayMs");
        if (delay == null || !delay.isIntegralNumber() || delay.longValue() < 0 || delay.longValue() > MAX_DELAY_MS) {
            return error(400, "bad_request", "expected {\"delayMs\": 0 to " + MAX_DELAY_MS + "}");
        }
        MtcpHttp.Reply reply;
        try {
            reply = MtcpHttp.exchange(List.of(address), links, "POST", "/admin/slowdown", adminToken,
                    "{\"delayMs\":" + delay.longValue() + "}");
        } catch (IOException e) {
            return error(502, "frontend_unreachable", name + " did not answer: " + e.getMessage());
        }
        if (reply.status() != 200) {
            return error(502, "admin_refused", name + "'s admin endpoint answered " + reply.status()
                    + ": " + reply.body().strip());
        }
        events.accept("slow-down of " + name + " set to " + delay.longValue() + " ms per response line");
        ObjectNode root = JSON.createObjectNode().put("frontend", name).put("delayMs", delay.longValue());
        return json(200, root);
    }

    /**
     * Asks for a restart of {@code name} (with the admin token, as the slow-down relay calls an admin
     * endpoint) and answers at once: 202 with the phase it entered, 409 while another one runs.
     * The body's optional {@code "request"} id makes a request run twice (see
     * {@link FrontendRestarts#request}) get the same answer.
     */
    private Reply restart(Request request, String name) throws IOException {
        return lifecycleAction(request, name, id -> restarts.request(name, id, adminToken), 502, "admin_refused", null);
    }

    /**
     * Asks for a kill of {@code name}, presenting {@code token}, and answers at once: 202 with the
     * phase ({@code killed}), 409 when it is not serving. The optional {@code "request"} id makes a
     * request run twice (the page's may be served by the front-end it kills, and then runs again on
     * the replica that takes its connection over) get the same answer.
     */
    private Reply kill(Request request, String name, String token) throws IOException {
        return lifecycleAction(request, name, id -> restarts.kill(name, id, token), 403, "forbidden", "wrong admin token");
    }

    /**
     * A restart or a kill: the body's optional request id, the action, its answer as HTTP; a
     * refused token answers {@code forbiddenStatus} and {@code forbiddenCode}, with
     * {@code forbiddenMessage} or (null) the action's own message.
     */
    private Reply lifecycleAction(Request request, String name, Function<String, FrontendRestarts.Answer> action,
            int forbiddenStatus, String forbiddenCode, String forbiddenMessage) throws IOException {
        if (!frontends.containsKey(name)) {
            return error(404, "not_found", "no front-end named " + name);
        }
        JsonNode body = readJson(request);
        JsonNode id = body == null ? null : body.get("request");
        if (body == null || (id != null && (!id.isTextual() || id.asText().length() > 64))) {
            return error(400, "bad_request", "expected {\"request\": \"an id of up to 64 characters\"} or no body");
        }
        FrontendRestarts.Answer answer = action.apply(id == null ? null : id.asText());
        return switch (answer.verdict()) {
            case ACCEPTED -> json(202, JSON.createObjectNode().put("frontend", name)
                    .put("phase", answer.phase().label()).put("message", answer.message()));
            case BUSY -> error(409, "busy", answer.message());
            case UNKNOWN -> error(404, "not_found", answer.message());
            case FORBIDDEN -> error(forbiddenStatus, forbiddenCode,
                    forbiddenMessage == null ? answer.message() : forbiddenMessage);
        };
    }

    /** The kill for callers that hold the admin token: 401 without an {@code Authorization: Bearer}, 403 if wrong. */
    private Reply adminKill(Request request, String name) throws IOException {
        String auth = request.getHeaders().get("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) {
            return error(401, "unauthorized", "an admin token is required (Authorization: Bearer ...)");
        }
        return kill(request, name, auth.substring("Bearer ".length()).strip());
    }

    /** The request's JSON body (an empty one is {@code {}}), or null when it is not JSON. */
    private static JsonNode readJson(Request request) {
        try (InputStream in = Request.asInputStream(request)) {
            JsonNode node = JSON.readTree(in.readNBytes(1024));
            return node == null || node.isMissingNode() ? JSON.createObjectNode() : node;
        } catch (IOException e) {
            return null;    // not JSON (or the body could not be read): the caller answers 400
        }
    }

    /** Computed replies: they change over time, so the front-end stores them for a replay. */
    private static Reply json(int status, JsonNode body) throws IOException {
        return Reply.computed(status, "application/json", (JSON.writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static Reply error(int status, String code, String message) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("error").put("code", code).put("message", message);
        return json(status, root);
    }
}
