package org.mtcp.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.frontend.testing.TestOps;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/** The batch API end to end, without migrations: real PostgreSQL, real transport, real Jetty. */
@LivePostgres(extensions = "mtcp")
class FrontendBatchTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static FrontendPool pool;
    static TestDatabase db;

    @BeforeAll
    static void start(TestDatabase database) throws Exception {
        db = database;
        pool = FrontendPool.start(2, db.jdbcUrl(), db.adminProperties(), TestOps.operations(), List.of(TestOps.SCHEMA),
                UnaryOperator.identity());
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

    static long scalar(String sql) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void runsABatchAndStreamsOneLinePerTransactionThenASummary() throws Exception {
        String body = """
                {"id":"simple-1","transactions":[
                  {"op":"add","args":{"key":"a","delta":5}},
                  {"op":"add","args":{"key":"a","delta":-10}},
                  {"op":"fail","args":{"reason":"no"}},
                  {"op":"set","args":{"key":"b","value":7}},
                  {"op":"get","args":{"key":"b"}}
                ]}""";
        HttpExchange.Response r = call(HttpExchange.post("/v1/batches", body));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/x-ndjson");
        assertThat(r.header("batch-id")).isEqualTo("simple-1");
        assertThat(r.lines()).hasSize(6);
        JsonNode l1 = JSON.readTree(r.lines().get(0));
        assertThat(l1.get("seq").asInt()).isEqualTo(1);
        assertThat(l1.get("outcome").asText()).isEqualTo("committed");
        assertThat(l1.get("result").get("value").asLong()).isEqualTo(5);
        assertThat(l1.get("frontend").asText()).startsWith("s");
        JsonNode l2 = JSON.readTree(r.lines().get(1));
        assertThat(l2.get("outcome").asText()).isEqualTo("aborted");
        assertThat(l2.get("error").get("code").asText()).isEqualTo("negative");
        JsonNode l3 = JSON.readTree(r.lines().get(2));
        assertThat(l3.get("error").get("code").asText()).isEqualTo("refused");
        assertThat(JSON.readTree(r.lines().get(4)).get("result").get("value").asLong()).isEqualTo(7);
        JsonNode summary = JSON.readTree(r.lines().get(5));
        assertThat(summary.get("summary").asBoolean()).isTrue();
        assertThat(summary.get("status").asText()).isEqualTo("complete");
        assertThat(summary.get("committed").asInt()).isEqualTo(3);
        assertThat(summary.get("aborted").asInt()).isEqualTo(2);
        assertThat(scalar("SELECT value FROM fetest.kv WHERE key = 'a'")).isEqualTo(5);
        assertThat(scalar("SELECT count(*) FROM fetest.runs WHERE batch = 'simple-1'")).isEqualTo(1);
    }

    @Test
    void answersExpect100ContinueBeforeTheBody() throws Exception {
        String body = "{\"id\":\"expecting\",\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"e\",\"delta\":2}}]}";
        byte[] request = HttpExchange.post("/v1/batches", body, "Expect: 100-continue");
        int headEnd = new String(request, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n") + 4;
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            s.getOutputStream().write(request, 0, headEnd);
            s.getOutputStream().flush();
            byte[] interim = s.getInputStream().readNBytes(25);
            assertThat(new String(interim, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            s.getOutputStream().write(request, headEnd, request.length - headEnd);
            s.getOutputStream().flush();
            HttpExchange.Response r = HttpExchange.read(s.getInputStream(), null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.lines()).hasSize(2);
        }
    }

    @Test
    void servesSeveralRequestsOnOneConnection() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            for (int i = 0; i < 3; i++) {
                HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.post("/v1/batches", "{\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"ka\",\"delta\":1}}]}"), null);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("batch-id")).isEqualTo("c" + s.id() + "-" + (2 * i));
                HttpExchange.Response h = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.get("/healthz"), null);
                assertThat(h.status()).isEqualTo(200);
                assertThat(h.bodyText()).contains("\"database\":\"ok\"");
            }
        }
        assertThat(scalar("SELECT value FROM fetest.kv WHERE key = 'ka'")).isEqualTo(3);
    }

    // Transient failures (serialization failure 40001, deadlock 40P01) run the whole transaction
    // again and leave nothing of the failed attempts behind; past the retries the transaction is
    // recorded as aborted with the SQLSTATE as its code, and nothing of it is applied.

    @Test
    void aTransientFailureIsRetriedAndItsAttemptsLeaveNothingBehind() throws Exception {
        HttpExchange.Response r = call(HttpExchange.post("/v1/batches", """
                {"id":"retry-1","transactions":[
                  {"op":"flaky","args":{"key":"r1","delta":4,"failures":2}},
                  {"op":"add","args":{"key":"r1","delta":1}}
                ]}"""));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.lines()).hasSize(3);
        JsonNode first = JSON.readTree(r.lines().get(0));
        assertThat(first.get("outcome").asText()).isEqualTo("committed");
        assertThat(first.get("result").get("value").asLong()).isEqualTo(4);
        assertThat(TestOps.Flaky.calls("r1")).isEqualTo(3);
        assertThat(scalar("SELECT value FROM fetest.kv WHERE key = 'r1'")).isEqualTo(5);
        assertThat(scalar("SELECT count(*) FROM fetest.runs WHERE batch = 'retry-1' AND seq = 1")).isEqualTo(1);
        assertThat(scalar("SELECT count(*) FROM frontend.outcome WHERE batch = 'retry-1'")).isEqualTo(2);
    }

    @Test
    void aFailureThatOutlastsTheRetriesIsRecordedAsAbortedWithNothingApplied() throws Exception {
        HttpExchange.Response r = call(HttpExchange.post("/v1/batches", """
                {"id":"retry-2","transactions":[
                  {"op":"flaky","args":{"key":"r2","delta":4,"failures":100}},
                  {"op":"add","args":{"key":"r2b","delta":1}}
                ]}"""));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.lines()).hasSize(3);
        JsonNode first = JSON.readTree(r.lines().get(0));
        assertThat(first.get("outcome").asText()).isEqualTo("aborted");
        assertThat(first.get("error").get("code").asText()).isEqualTo("40001");
        assertThat(JSON.readTree(r.lines().get(1)).get("outcome").asText()).isEqualTo("committed");
        assertThat(TestOps.Flaky.calls("r2")).isGreaterThan(1);
        assertThat(scalar("SELECT count(*) FROM fetest.kv WHERE key = 'r2'")).isZero();
        assertThat(scalar("SELECT count(*) FROM fetest.runs WHERE batch = 'retry-2'")).isEqualTo(1);
        assertThat(scalar("SELECT count(*) FROM frontend.outcome WHERE batch = 'retry-2' AND seq = 1 AND outcome = 'aborted'"))
                .isEqualTo(1);
        JsonNode summary = JSON.readTree(r.lines().get(2));
        assertThat(summary.get("committed").asInt()).isEqualTo(1);
        assertThat(summary.get("aborted").asInt()).isEqualTo(1);
    }
}
