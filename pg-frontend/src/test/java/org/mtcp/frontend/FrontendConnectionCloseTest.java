package org.mtcp.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.frontend.engine.Hooks;
import org.mtcp.frontend.testing.BatchChecks;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.frontend.testing.TestOps;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/**
 * {@code Connection: close} ends the connection: after the last byte of the response the client
 * reads end-of-stream, from the front-end that served the request and from one that took the
 * connection over in the middle of it. Every read to the end has a deadline: a front-end that
 * forgets to close fails the test instead of hanging it.
 */
@LivePostgres(extensions = "mtcp")
class FrontendConnectionCloseTest {

    /** How long a client waits for the whole response and end-of-stream. */
    static final long DEADLINE_SECONDS = 15;

    static FrontendPool pool;
    static TestDatabase db;
    static javax.sql.DataSource ds;

    @BeforeAll
    static void start(TestDatabase database) throws Exception {
        db = database;
        pool = FrontendPool.start(2, db.jdbcUrl(), db.adminProperties(), TestOps.operations(), List.of(TestOps.SCHEMA),
                UnaryOperator.identity());
        ds = FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties());
    }

    @AfterAll
    static void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
    }

    @AfterEach
    void noHooks() {
        pool.setHooks(Hooks.NONE);
    }

    /** What a client that reads to the end got: the response, then whether the stream ended. */
    record ToEof(HttpExchange.Response response, int afterResponse) { }

    /**
     * Sends {@code request} and reads the response and one more byte (which must be the end of
     * the stream), within the deadline; closes the socket and fails when the deadline passes.
     */
    static ToEof exchangeToEof(MtcpSocket s, byte[] request) throws Exception {
        CompletableFuture<ToEof> f = CompletableFuture.supplyAsync(() -> {
            try {
                HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), request, null);
                return new ToEof(r, s.getInputStream().read());
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        try {
            return f.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            s.close();
            return fail("no end of stream " + DEADLINE_SECONDS + " s after a Connection: close request");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    static String batch(String id, int n) {
        StringBuilder b = new StringBuilder("{\"id\":\"" + id + "\",\"transactions\":[");
        for (int i = 1; i <= n; i++) {
            if (i > 1) {
                b.append(',');
            }
            b.append("{\"op\":\"add\",\"args\":{\"key\":\"").append(id).append("-").append(i)
                    .append("\",\"delta\":").append(i).append("}}");
        }
        return b.append("]}").toString();
    }

    @Test
    void healthzWithConnectionCloseEndsTheStream() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            ToEof got = exchangeToEof(s, HttpExchange.get("/healthz", "Connection: close"));
            assertThat(got.response().status()).isEqualTo(200);
            assertThat(got.response().header("connection")).isEqualTo("close");
            assertThat(got.response().bodyText()).contains("\"status\":\"ok\"");
            assertThat(got.afterResponse()).as("the front-end closed the connection after the response").isEqualTo(-1);
        }
    }

    @Test
    void keepAliveStillServesASecondRequest() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            for (int i = 0; i < 2; i++) {
                HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.get("/healthz"), null);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("connection")).isNull();
            }
            // and the last request of a keep-alive connection may ask for the close
            ToEof got = exchangeToEof(s, HttpExchange.get("/healthz", "Connection: close"));
            assertThat(got.response().status()).isEqualTo(200);
            assertThat(got.afterResponse()).isEqualTo(-1);
        }
    }

    @Test
    void aBatchWithConnectionCloseIsTheLinesThenEndOfStream() throws Exception {
        String id = "cc-plain";
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            ToEof got = exchangeToEof(s, HttpExchange.post("/v1/batches", batch(id, 5), "Connection: close"));
            HttpExchange.Response r = got.response();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("transfer-encoding")).isNull();
            assertThat(r.header("connection")).isEqualTo("close");
            List<JsonNode> lines = BatchChecks.check(r, ds, id, 5);
            assertThat(lines).hasSize(5);
            assertThat(r.lines()).hasSize(6);      // the five outcomes and the summary, nothing after it
            assertThat(r.bodyText()).endsWith("\n");
            assertThat(got.afterResponse()).isEqualTo(-1);
            assertThat(s.migrations()).isZero();
        }
    }

    /**
     * The client is moved to the other front-end at {@code point}: before the head (the new
     * front-end's Jetty serves the replayed request), after the third line and before the
     * summary (the new front-end resumes the batch itself). Either way it closes after the last
     * line.
     */
    @ParameterizedTest(name = "migration at {0}")
    @EnumSource(value = Hooks.Point.class, names = {"BEFORE_HEAD", "AFTER_LINE", "BEFORE_SUMMARY"})
    void aBatchWithConnectionCloseEndsOnTheNewFrontendAfterAMigration(Hooks.Point point) throws Exception {
        String id = "cc-moved-" + point.name().toLowerCase(java.util.Locale.ROOT);
        int seq = point == Hooks.Point.BEFORE_HEAD ? 0 : point == Hooks.Point.BEFORE_SUMMARY ? 6 : 3;
        AtomicReference<MtcpSocket> client = new AtomicReference<>();
        AtomicReference<String> movedFrom = new AtomicReference<>();
        AtomicBoolean fired = new AtomicBoolean();
        pool.setHooks((p, frontend, batch, s, connection) -> {
            if (p == point && s == seq && batch.equals(id) && !fired.getAndSet(true)) {
                movedFrom.set(frontend);
                client.get().migrate();
            }
        });
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            client.set(s);
            ToEof got = exchangeToEof(s, HttpExchange.post("/v1/batches", batch(id, 5), "Connection: close"));
            assertThat(fired).isTrue();
            assertThat(s.migrations()).isGreaterThanOrEqualTo(1);
            assertThat(s.currentServer()).isNotEqualTo(movedFrom.get());
            HttpExchange.Response r = got.response();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("transfer-encoding")).isNull();
            assertThat(BatchChecks.check(r, ds, id, 5)).hasSize(5);
            assertThat(r.lines()).hasSize(6);
            assertThat(got.afterResponse()).as("the new front-end closed after the last line").isEqualTo(-1);
        }
    }

    /** GET /healthz moved in the middle of its response: the new front-end replays it, then closes. */
    @Test
    void healthzWithConnectionCloseEndsAfterAMigration() throws Exception {
        AtomicReference<MtcpSocket> client = new AtomicReference<>();
        AtomicBoolean fired = new AtomicBoolean();
        pool.setHooks((p, frontend, batch, s, connection) -> {
            if (p == Hooks.Point.BEFORE_REPLAYABLE_RESPONSE && batch.equals("/healthz") && !fired.getAndSet(true)) {
                client.get().migrate();
            }
        });
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            client.set(s);
            ToEof got = exchangeToEof(s, HttpExchange.get("/healthz", "Connection: close"));
            assertThat(fired).isTrue();
            assertThat(s.migrations()).isGreaterThanOrEqualTo(1);
            assertThat(got.response().status()).isEqualTo(200);
            assertThat(got.afterResponse()).isEqualTo(-1);
        }
    }
}
