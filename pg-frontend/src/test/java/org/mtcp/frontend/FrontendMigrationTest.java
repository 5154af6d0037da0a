package org.mtcp.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
 * Exactly-once across migrations: the client's connection is moved at every kind of point of a
 * batch (before the head, between the head and snapshot #0, before a snapshot, between the
 * snapshot and COMMIT, after COMMIT before the line, after a line, before the summary), at
 * random moments, and while the old front-end sits on an open transaction past the takeover
 * timeout (forced abort). Each time: every transaction ran once, every line arrived once and in
 * order, and the lines are the database's records.
 */
@LivePostgres(extensions = "mtcp")
class FrontendMigrationTest {

    static FrontendPool pool;
    static TestDatabase db;
    static javax.sql.DataSource ds;

    @BeforeAll
    static void start(TestDatabase database) throws Exception {
        db = database;
        pool = FrontendPool.start(3, db.jdbcUrl(), db.adminProperties(), TestOps.operations(), List.of(TestOps.SCHEMA),
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

    /** A batch of n adds on distinct keys of this batch, with a failing one at position 4. */
    static String batch(String id, int n) {
        StringBuilder b = new StringBuilder("{\"id\":\"" + id + "\",\"transactions\":[");
        for (int i = 1; i <= n; i++) {
            if (i > 1) {
                b.append(',');
            }
            if (i == 4) {
                b.append("{\"op\":\"fail\"}");
            } else {
                b.append("{\"op\":\"add\",\"args\":{\"key\":\"").append(id).append("-").append(i % 5)
                        .append("\",\"delta\":").append(i).append("}}");
            }
        }
        return b.append("]}").toString();
    }

    /** Every committed add of the batch ran exactly once. */
    static void ranOnce(String id, List<JsonNode> lines) throws Exception {
        Set<Integer> committed = TestOps.assertCommittedAddsRanOnce(ds, id, lines);
        // the key values are the sums of the committed deltas
        try (Connection c = db.connect();
                PreparedStatement st = c.prepareStatement("SELECT coalesce(sum(value), 0) FROM fetest.kv WHERE key LIKE ?")) {
            st.setString(1, id + "-%");
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(committed.stream().mapToLong(Integer::longValue).sum());
            }
        }
    }

    static Stream<Arguments> points() {
        return Stream.of(
                Arguments.of(Hooks.Point.BEFORE_HEAD, 0),
                Arguments.of(Hooks.Point.AFTER_HEAD, 0),
                Arguments.of(Hooks.Point.BEFORE_SNAPSHOT, 1),
                Arguments.of(Hooks.Point.BEFORE_SNAPSHOT, 3),
                Arguments.of(Hooks.Point.BEFORE_COMMIT, 1),
                Arguments.of(Hooks.Point.BEFORE_COMMIT, 3),
                Arguments.of(Hooks.Point.BEFORE_COMMIT, 4),
                Arguments.of(Hooks.Point.AFTER_COMMIT, 2),
                Arguments.of(Hooks.Point.AFTER_COMMIT, 6),
                Arguments.of(Hooks.Point.AFTER_LINE, 3),
                Arguments.of(Hooks.Point.AFTER_LINE, 6),
                Arguments.of(Hooks.Point.BEFORE_SUMMARY, 7));
    }

    @ParameterizedTest(name = "migration at {0} of seq {1}")
    @MethodSource("points")
    void migrationAtAnExactPoint(Hooks.Point point, int seq) throws Exception {
        String id = "at-" + point.name().toLowerCase(java.util.Locale.ROOT) + "-" + seq;
        AtomicReference<MtcpSocket> client = new AtomicReference<>();
        AtomicBoolean fired = new AtomicBoolean();
        AtomicReference<String> from = new AtomicReference<>();
        pool.setHooks((p, frontend, batch, s, connection) -> {
            if (p == point && s == seq && batch.equals(id) && !fired.getAndSet(true)) {
                from.set(frontend);
                client.get().migrate();           // blocks until the client is welcomed elsewhere
            }
        });
        HttpExchange.Response r;
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            client.set(s);
            r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), HttpExchange.post("/v1/batches", batch(id, 6)), null);
            assertThat(s.migrations()).isEqualTo(1);
        }
        assertThat(fired).isTrue();
        List<JsonNode> lines = BatchChecks.check(r, ds, id, 6);
        ranOnce(id, lines);
        // the summary came from another front-end than the one that was left
        assertThat(lines).isNotEmpty();
    }

    @ParameterizedTest(name = "Connection: close, migration at {0}")
    @org.junit.jupiter.params.provider.EnumSource(value = Hooks.Point.class,
            names = {"AFTER_HEAD", "BEFORE_COMMIT", "AFTER_LINE", "BEFORE_SUMMARY"})
    void aConnectionCloseResponseIsContinuedWithoutChunks(Hooks.Point point) throws Exception {
        String id = "close-" + point.name().toLowerCase(java.util.Locale.ROOT);
        int seq = point == Hooks.Point.AFTER_HEAD ? 0 : point == Hooks.Point.BEFORE_SUMMARY ? 6 : 3;
        AtomicReference<MtcpSocket> client = new AtomicReference<>();
        AtomicBoolean fired = new AtomicBoolean();
        pool.setHooks((p, frontend, batch, s, connection) -> {
            if (p == point && s == seq && batch.equals(id) && !fired.getAndSet(true)) {
                client.get().migrate();
            }
        });
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            client.set(s);
            HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                    HttpExchange.post("/v1/batches", batch(id, 5), "Connection: close"), null);
            assertThat(fired).isTrue();
            assertThat(r.header("transfer-encoding")).isNull();
            assertThat(r.header("connection")).isEqualTo("close");
            ranOnce(id, BatchChecks.check(r, ds, id, 5));
            assertThat(s.getInputStream().read()).as("the server closed the connection").isEqualTo(-1);
        }
    }

    @ParameterizedTest(name = "migration in the middle of GET {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/healthz", "/metrics", "/v1/batches/at-after_line-3"})
    void computedResponsesSurviveAMigration(String path) throws Exception {
        // make sure the batch of the third case exists, whatever the order the tests run in
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                    HttpExchange.post("/v1/batches", batch("at-after_line-3", 6)), null);
        }
        AtomicReference<MtcpSocket> client = new AtomicReference<>();
        AtomicBoolean fired = new AtomicBoolean();
        AtomicReference<String> origin = new AtomicReference<>();
        pool.setHooks((p, frontend, batch, s, connection) -> {
            if (p == Hooks.Point.BEFORE_REPLAYABLE_RESPONSE && batch.equals(path) && !fired.getAndSet(true)) {
                origin.set(frontend);
                client.get().migrate();
            }
        });
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            client.set(s);
            HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), HttpExchange.get(path), null);
            assertThat(fired).isTrue();
            assertThat(s.migrations()).isEqualTo(1);
            assertThat(r.status()).isEqualTo(200);
            if (path.equals("/healthz")) {
                assertThat(r.bodyText()).contains("\"frontend\":\"" + origin.get() + "\"");
            } else if (path.equals("/metrics")) {
                assertThat(r.bodyText()).contains("mtcp_frontend_snapshots_total{frontend=\"" + origin.get() + "\"}");
            } else {
                assertThat(r.bodyText()).contains("\"complete\":true");
            }
            // the connection goes on, on the new front-end
            HttpExchange.Response next = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                    HttpExchange.get("/healthz"), null);
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.bodyText()).doesNotContain("\"frontend\":\"" + origin.get() + "\"");
        }
    }

    @Test
    void theOldFrontEndStuckBetweenSnapshotAndCommitIsForcedToAbortAndTheTransactionRunsOnce() throws Exception {
        String id = "forced-abort";
        AtomicReference<MtcpSocket> client = new AtomicReference<>();
        AtomicBoolean fired = new AtomicBoolean();
        double abortsBefore = pool.frontends().stream().mapToDouble(f -> f.metrics().registry().get("mtcp.frontend.forced.aborts").counter().count()).sum();
        pool.setHooks((p, frontend, batch, s, connection) -> {
            if (p == Hooks.Point.BEFORE_COMMIT && s == 2 && batch.equals(id) && !fired.getAndSet(true)) {
                client.get().migrate();
                try {
                    Thread.sleep(3500);           // past the 2 s takeover timeout: the database aborts us
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        HttpExchange.Response r;
        try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            client.set(s);
            r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), HttpExchange.post("/v1/batches", batch(id, 5)), null);
        }
        List<JsonNode> lines = BatchChecks.check(r, ds, id, 5);
        ranOnce(id, lines);
        assertThat(lines.get(1).get("outcome").asText()).isEqualTo("committed");
        double abortsAfter = pool.frontends().stream().mapToDouble(f -> f.metrics().registry().get("mtcp.frontend.forced.aborts").counter().count()).sum();
        assertThat(abortsAfter - abortsBefore).isEqualTo(1.0);
    }

    @Test
    void randomMigrationsDuringABatchOf200() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < 2; round++) {
            String id = "random-" + round;
            HttpExchange.Response r;
            int migrations;
            try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
                // Migrations at random points of the batch's progress (every 10 to 39 lines), not at
                // random times: a batch that runs faster must not outrun them.
                AtomicInteger next = new AtomicInteger(1 + random.nextInt(30));
                r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), HttpExchange.post("/v1/batches", batch(id, 200)),
                        line -> {
                            if (line == next.get()) {
                                next.addAndGet(10 + random.nextInt(30));
                                try {
                                    s.migrate();
                                } catch (java.io.IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            }
                        });
                migrations = s.migrations();
            }
            assertThat(migrations).as("migrations during the batch").isGreaterThan(3);
            List<JsonNode> lines = BatchChecks.check(r, ds, id, 200);
            ranOnce(id, lines);
        }
    }
}
