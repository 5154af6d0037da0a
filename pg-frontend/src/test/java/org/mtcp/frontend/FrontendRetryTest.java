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

/**
 * Transient failures of an operation (serialization failure 40001, deadlock 40P01) are retried
 * and leave nothing of the failed attempts behind; past the engine's attempts the transaction
 * is recorded as aborted with the SQLSTATE as its code, and nothing of it is applied.
 */
@LivePostgres(extensions = "mtcp")
class FrontendRetryTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static FrontendPool pool;
    static TestDatabase db;

    @BeforeAll
    static void start(TestDatabase database) throws Exception {
        db = database;
        pool = FrontendPool.start(1, db.jdbcUrl(), db.adminProperties(), TestOps.operations(), List.of(TestOps.SCHEMA),
                UnaryOperator.identity());
    }

    @AfterAll
    static void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
    }

    static HttpExchange.Response call(String body) throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            return HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), HttpExchange.post("/v1/batches", body), null);
        }
    }

    static long scalar(String sql) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aTransientFailureIsRetriedAndItsAttemptsLeaveNothingBehind() throws Exception {
        HttpExchange.Response r = call("""
                {"id":"retry-1","transactions":[
                  {"op":"flaky","args":{"key":"r1","delta":4,"failures":2}},
                  {"op":"add","args":{"key":"r1","delta":1}}
                ]}""");
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
        HttpExchange.Response r = call("""
                {"id":"retry-2","transactions":[
                  {"op":"flaky","args":{"key":"r2","delta":4,"failures":100}},
                  {"op":"add","args":{"key":"r2b","delta":1}}
                ]}""");
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
