package org.mtcp.frontend;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.frontend.engine.Hooks;
import org.awaitility.core.ConditionTimeoutException;
import org.mtcp.frontend.testing.BatchChecks;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.frontend.testing.TestOps;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/** The HTTP API's contract: refusals before anything runs, re-posts, status, health, metrics, admin. */
@LivePostgres(extensions = "mtcp")
class FrontendApiTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static FrontendPool pool;
    static TestDatabase db;
    static javax.sql.DataSource ds;

    @BeforeAll
    static void start(TestDatabase database) throws Exception {
        db = database;
        pool = FrontendPool.start(1, db.jdbcUrl(), db.adminProperties(), TestOps.operations(), List.of(TestOps.SCHEMA),
                c -> c.withLimits(16 * 1024, 50));
        ds = FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties());
    }

    @AfterAll
    static void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
    }

    static HttpExchange.Response call(byte[] request) throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            return HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), request, null);
        }
    }

    static String state() throws Exception {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM frontend.batch) || '/' || "
                        + "(SELECT count(*) FROM frontend.outcome) || '/' || (SELECT count(*) FROM fetest.kv) || '/' || "
                        + "(SELECT count(*) FROM fetest.runs) || '/' || (SELECT count(*) FROM mtcp.session)")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void badRequestsAreRefusedWith4xxBeforeAnythingRuns() throws Exception {
        String before = state();
        record Case(byte[] request, int status, String code) {}
        StringBuilder many = new StringBuilder("{\"transactions\":[");
        for (int i = 0; i < 51; i++) {
            many.append(i == 0 ? "" : ",").append("{\"op\":\"fail\"}");
        }
        many.append("]}");
        String big = "{\"transactions\":[{\"op\":\"fail\",\"args\":{\"reason\":\"" + "x".repeat(20_000) + "\"}}]}";
        List<Case> cases = List.of(
                new Case(HttpExchange.post("/v1/batches", "{\"transactions\":[{\"op\":\"add\""), 400, "malformed_json"),
                new Case(HttpExchange.post("/v1/batches", "[1,2]"), 400, "bad_request"),
                new Case(HttpExchange.post("/v1/batches", "{\"transactions\":{}}"), 400, "bad_request"),
                new Case(HttpExchange.post("/v1/batches", "{\"transactions\":[],\"extra\":1}"), 400, "bad_request"),
                new Case(HttpExchange.post("/v1/batches", "{\"id\":\"no spaces\",\"transactions\":[]}"), 400, "bad_request"),
                new Case(HttpExchange.post("/v1/batches", "{\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"k\",\"delta\":1}},{\"op\":\"nope\"}]}"),
                        400, "unknown_operation"),
                new Case(HttpExchange.post("/v1/batches", "{\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"k\",\"delta\":\"1\"}}]}"),
                        400, "invalid_arguments"),
                new Case(HttpExchange.post("/v1/batches", "{\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"k\"}}]}"),
                        400, "invalid_arguments"),
                new Case(HttpExchange.post("/v1/batches", "{\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"k\",\"delta\":1,\"x\":2}}]}"),
                        400, "invalid_arguments"),
                new Case(HttpExchange.post("/v1/batches", "{\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"k\",\"delta\":1.5}}]}"),
                        400, "invalid_arguments"),
                new Case(HttpExchange.post("/v1/batches", many.toString()), 413, "too_large"),
                new Case(HttpExchange.post("/v1/batches", big), 413, "too_large"),
                new Case(HttpExchange.post("/v1/batches", "{\"transactions\":[]}", "Content-Type: text/plain"), 415,
                        "unsupported_media_type"),
                new Case(HttpExchange.get("/v1/batches"), 405, "method_not_allowed"),
                new Case(HttpExchange.get("/nowhere"), 404, "not_found"),
                new Case(HttpExchange.get("/v1/batches/never-posted"), 404, "not_found"),
                // answered by Jetty itself, in the API's JSON format too
                new Case(HttpExchange.get("/healthz", "X-Big: " + "b".repeat(20_000)), 431, "header_too_large"),
                new Case(("POST /v1/batches HTTP/1.1\r\nHost: mtcp\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII), 400, "bad_request"));
        for (Case c : cases) {
            HttpExchange.Response r = call(c.request());
            assertThat(r.status()).as(new String(c.request(), 0, Math.min(200, c.request().length))).isEqualTo(c.status());
            assertThat(r.header("content-type")).startsWith("application/json");
            assertThat(JSON.readTree(r.body()).get("error").get("code").asText()).isEqualTo(c.code());
        }
        assertThat(state()).as("database untouched").isEqualTo(before);
        // the connection stays usable after a refusal
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            assertThat(HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                    HttpExchange.post("/v1/batches", "{"), null).status()).isEqualTo(400);
            assertThat(HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                    HttpExchange.get("/healthz"), null).status()).isEqualTo(200);
        }
    }

    static String adds(String id, int n) {
        StringBuilder b = new StringBuilder("{\"id\":\"" + id + "\",\"transactions\":[");
        for (int i = 1; i <= n; i++) {
            b.append(i == 1 ? "" : ",").append("{\"op\":\"add\",\"args\":{\"key\":\"").append(id).append("\",\"delta\":")
                    .append(i).append("}}");
        }
        return b.append("]}").toString();
    }

    @Test
    void aRepostedBatchIdRunsNothingTwice() throws Exception {
        HttpExchange.Response first = call(HttpExchange.post("/v1/batches", adds("repost", 5)));
        BatchChecks.check(first, ds, "repost", 5);
        String after = state();
        HttpExchange.Response again = call(HttpExchange.post("/v1/batches", adds("repost", 5)));
        BatchChecks.check(again, ds, "repost", 5);
        assertThat(again.lines()).isEqualTo(first.lines());
        assertThat(state()).isEqualTo(after);
        HttpExchange.Response other = call(HttpExchange.post("/v1/batches", adds("repost", 4)));
        assertThat(other.status()).isEqualTo(409);
        assertThat(JSON.readTree(other.body()).get("error").get("code").asText()).isEqualTo("batch_conflict");
    }

    @Test
    void aRepostContinuesABatchThatStoppedHalfway() throws Exception {
        AtomicBoolean fired = new AtomicBoolean();
        pool.frontends().get(0).engine().setHooks((point, fe, batch, seq, connection) -> {
            if (point == Hooks.Point.BEFORE_SNAPSHOT && batch.equals("halfway") && seq == 4 && !fired.getAndSet(true)) {
                throw new IOException("the front-end dies here (test)");
            }
        });
        HttpExchange.Response cut = null;
        try {
            cut = call(HttpExchange.post("/v1/batches", adds("halfway", 6)));
        } catch (IOException expected) {
            // the response ends early: the client has seen some lines at most
        } finally {
            pool.frontends().get(0).engine().setHooks(Hooks.NONE);
        }
        assertThat(fired).isTrue();
        assertThat(cut).isNull();
        HttpExchange.Response rest = call(HttpExchange.post("/v1/batches", adds("halfway", 6)));
        List<JsonNode> lines = BatchChecks.check(rest, ds, "halfway", 6);
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT seq) FROM fetest.runs WHERE batch = 'halfway'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(6);
            assertThat(rs.getInt(2)).isEqualTo(6);
        }
        assertThat(lines.get(5).get("result").get("value").asLong()).isEqualTo(21);
        // GET tells what is recorded
        HttpExchange.Response status = call(HttpExchange.get("/v1/batches/halfway"));
        assertThat(status.status()).isEqualTo(200);
        JsonNode s = JSON.readTree(status.body());
        assertThat(s.get("complete").asBoolean()).isTrue();
        assertThat(s.get("recorded").asInt()).isEqualTo(6);
        assertThat(s.get("outcomes")).hasSize(6);
        assertThat(s.get("outcomes").get(2).get("seq").asInt()).isEqualTo(3);
    }

    @Test
    void healthAndMetrics() throws Exception {
        HttpExchange.Response h = call(HttpExchange.get("/healthz"));
        assertThat(h.status()).isEqualTo(200);
        assertThat(JSON.readTree(h.body()).get("frontend").asText()).isEqualTo("s1");
        call(HttpExchange.post("/v1/batches", adds("metered", 2)));
        HttpExchange.Response m = call(HttpExchange.get("/metrics"));
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.header("content-type")).startsWith("text/plain; version=0.0.4");
        assertThat(m.bodyText())
                .contains("# TYPE mtcp_frontend_migrations_in_total counter")
                .contains("mtcp_frontend_migrations_out_total{frontend=\"s1\"}")
                .contains("mtcp_frontend_resumes_total{frontend=\"s1\"}")
                .contains("mtcp_frontend_forced_aborts_total{frontend=\"s1\"}")
                .contains("mtcp_frontend_outcome_lookups_total{frontend=\"s1\"}")
                .contains("mtcp_frontend_transactions_total{frontend=\"s1\",outcome=\"committed\"}")
                .contains("mtcp_frontend_batch_duration_seconds_bucket{frontend=\"s1\",le=\"+Inf\"}")
                .contains("mtcp_frontend_transaction_duration_seconds_count{frontend=\"s1\"}");
        assertThat(pool.frontends().get(0).metrics().registry().get("mtcp.frontend.batches.completed").counter().count()).isPositive();
    }

    /** Every series of docs/http-api.md's /metrics tables, under its documented name, once a batch ran. */
    @Test
    void everyDocumentedSeriesIsScraped() throws Exception {
        List<String> documented = documentedSeries();
        assertThat(documented).hasSizeGreaterThanOrEqualTo(20);
        call(HttpExchange.post("/v1/batches", adds("metered-names", 1)));
        // Jetty's request and connection series appear once the server has ended the request or the
        // connection, which may come after the client's last byte: scrape until they are there.
        String[] scrape = {""};
        try {
            await("every documented series is scraped").atMost(Duration.ofSeconds(10))
                    .until(() -> missingSeries(documented, scrape[0] = call(HttpExchange.get("/metrics")).bodyText()).isEmpty());
        } catch (ConditionTimeoutException timedOut) {
            // the assertion below names the missing series, which the timeout does not
        }
        assertThat(missingSeries(documented, scrape[0])).as("documented series absent from the scrape:%n%s", scrape[0]).isEmpty();
    }

    static List<String> missingSeries(List<String> series, String scrape) {
        return series.stream()
                .filter(name -> !Pattern.compile("(?m)^" + name + "\\{[^}]*frontend=\"s1\"").matcher(scrape).find())
                .toList();
    }

    /**
     * The sample names the /metrics section of docs/http-api.md documents: a table row
     * {@code | `name{labels}` | type | meaning |}; a histogram has {@code _bucket}, {@code _sum} and
     * {@code _count} samples, a summary {@code _sum} and {@code _count}.
     */
    static List<String> documentedSeries() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "http-api.md"));
        String section = doc.substring(doc.indexOf("## GET /metrics"));
        section = section.substring(0, section.indexOf("\n## ", 1));
        List<String> series = new ArrayList<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z_]+)(?:\\{[a-z_, ]+})?` \\| ([a-z]+) \\|").matcher(section);
        while (row.find()) {
            String name = row.group(1);
            switch (row.group(2)) {
                case "histogram" -> series.addAll(List.of(name + "_bucket", name + "_sum", name + "_count"));
                case "summary" -> series.addAll(List.of(name + "_sum", name + "_count"));
                default -> series.add(name);
            }
        }
        return series;
    }

    @Test
    void theSlowDownKnobNeedsTheAdminToken() throws Exception {
        String body = "{\"delayMs\":25}";
        assertThat(call(HttpExchange.post("/admin/slowdown", body)).status()).isEqualTo(401);
        assertThat(call(HttpExchange.post("/admin/slowdown", body, "Authorization: Bearer wrong")).status()).isEqualTo(403);
        HttpExchange.Response ok = call(HttpExchange.post("/admin/slowdown", body,
                "Authorization: Bearer " + FrontendPool.ADMIN_TOKEN));
        assertThat(ok.status()).isEqualTo(200);
        assertThat(pool.frontends().get(0).slowdown().delayMillis()).isEqualTo(25);
        assertThat(call(HttpExchange.post("/admin/slowdown", "{\"delayMs\":-1}",
                "Authorization: Bearer " + FrontendPool.ADMIN_TOKEN)).status()).isEqualTo(400);
        HttpExchange.Response get = call(HttpExchange.get("/admin/slowdown", "Authorization: Bearer " + FrontendPool.ADMIN_TOKEN));
        assertThat(get.bodyText()).contains("\"delayMs\":25");
        long t0 = System.nanoTime();
        call(HttpExchange.post("/v1/batches", adds("slow", 3)));
        assertThat((System.nanoTime() - t0) / 1_000_000).as("head + 3 lines + summary, 25 ms each").isGreaterThanOrEqualTo(125);
        call(HttpExchange.post("/admin/slowdown", "{\"delayMs\":0}", "Authorization: Bearer " + FrontendPool.ADMIN_TOKEN));
        assertThat(pool.frontends().get(0).slowdown().delayMillis()).isZero();
    }
}
