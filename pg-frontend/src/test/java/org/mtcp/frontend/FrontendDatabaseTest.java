package org.mtcp.frontend;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.frontend.testing.TestOps;
import org.mtcp.testkit.TcpProxy;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/** A front-end whose database is unreachable, at start-up or later, says so clearly. */
@LivePostgres(extensions = "mtcp")
class FrontendDatabaseTest {

    static final ObjectMapper JSON = new ObjectMapper();
    /** A typical response-time threshold (the demo's policy, response-time:1s). */
    static final Duration THRESHOLD = Duration.ofSeconds(1);

    @Test
    void startUpFailsClearlyWhenTheDatabaseIsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();          // nothing listens there once closed
        }
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/nowhere";
        assertThatThrownBy(() -> FrontendPool.start(1, url, new java.util.Properties(), TestOps.operations(),
                List.of(), c -> c))
                .isInstanceOf(FrontendServer.StartupException.class)
                .hasMessageContaining("cannot connect to the database jdbc:postgresql://127.0.0.1:" + port);
    }

    @Test
    void aBatchMovesOffAFrontEndThatLosesItsDatabase(TestDatabase db) throws Exception {
        try (TcpProxy proxy = TcpProxy.start(databaseAddress(db))) {
            String viaProxy = viaProxy(db, proxy);
            // s1 reaches the database through the proxy, s2 directly
            try (FrontendPool pool = FrontendPool.start(2, db.jdbcUrl(), db.adminProperties(), TestOps.operations(),
                    List.of(TestOps.SCHEMA), c -> c.name().equals("s1") ? c.withJdbcUrl(viaProxy) : c)) {
                java.util.concurrent.atomic.AtomicBoolean cut = new java.util.concurrent.atomic.AtomicBoolean();
                pool.frontend("s1").engine().setHooks((point, fe, batch, seq, connection) -> {
                    if (point == org.mtcp.frontend.engine.Hooks.Point.BEFORE_COMMIT && seq == 3 && !cut.getAndSet(true)) {
                        proxy.setRefuse(true);
                        proxy.resetAll();       // the database goes away between the snapshot and COMMIT
                    }
                });
                StringBuilder body = new StringBuilder("{\"id\":\"db-lost\",\"transactions\":[");
                for (int i = 1; i <= 6; i++) {
                    body.append(i == 1 ? "" : ",").append("{\"op\":\"add\",\"args\":{\"key\":\"lost\",\"delta\":").append(i).append("}}");
                }
                body.append("]}");
                try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
                    HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                            HttpExchange.post("/v1/batches", body.toString()), null);
                    assertThat(cut).isTrue();
                    assertThat(s.serversUsed()).containsExactly("s1", "s2");
                    org.mtcp.frontend.testing.BatchChecks.check(r, FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties()),
                            "db-lost", 6);
                    assertThat(JSON.readTree(r.lines().get(5)).get("result").get("value").asLong()).isEqualTo(21);
                    assertThat(JSON.readTree(r.lines().get(2)).get("frontend").asText()).isEqualTo("s2");
                }
                assertThat(pool.frontend("s1").metrics().registry().get("mtcp.frontend.database.errors").counter().count()).isPositive();
            }
        }
    }

    @Test
    void aFrontEndThatLosesItsDatabaseReportsIt(TestDatabase db) throws Exception {
        try (TcpProxy proxy = TcpProxy.start(databaseAddress(db));
                FrontendPool pool = oneFrontendVia(db, proxy)) {
            try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
                HttpExchange.Response ok = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.get("/healthz"), null);
                assertThat(ok.status()).isEqualTo(200);

                proxy.setRefuse(true);
                proxy.resetAll();

                // Every answer comes well within a 1 s response-time threshold (the demo's policy):
                // the first one within --db-timeout (500 ms), the later ones at once.
                for (int i = 0; i < 3; i++) {
                    long t0 = System.nanoTime();
                    HttpExchange.Response down = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                            HttpExchange.get("/healthz"), null);
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(THRESHOLD);
                    assertThat(down.status()).isEqualTo(503);
                    JsonNode health = JSON.readTree(down.body());
                    assertThat(health.get("status").asText()).isEqualTo("unavailable");
                    assertThat(health.get("database").asText()).startsWith("unreachable: ")
                            .as("the cause, not the pool's state").doesNotContain("HikariPool").doesNotContain("total=");

                    t0 = System.nanoTime();
                    HttpExchange.Response batch = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                            HttpExchange.post("/v1/batches", "{\"id\":\"while-down\",\"transactions\":[{\"op\":\"fail\"}]}"), null);
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(THRESHOLD);
                    assertThat(batch.status()).isEqualTo(503);
                    JsonNode error = JSON.readTree(batch.body()).get("error");
                    assertThat(error.get("code").asText()).isEqualTo("database_unavailable");
                    assertThat(error.get("message").asText()).doesNotContain("HikariPool").doesNotContain("total=");
                }
                assertThat(pool.frontends().get(0).metrics().registry().get("mtcp.frontend.database.errors").counter().count()).isPositive();

                proxy.setRefuse(false);
                await("the front-end sees its database again").atMost(Duration.ofSeconds(10)).until(() ->
                        HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), HttpExchange.get("/healthz"), null).status() == 200);
                HttpExchange.Response after = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.post("/v1/batches", "{\"id\":\"after-outage\",\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"back\",\"delta\":1}}]}"), null);
                assertThat(after.status()).isEqualTo(200);
                assertThat(JSON.readTree(after.lines().get(1)).get("status").asText()).isEqualTo("complete");
            }
        }
    }

    /**
     * The database goes away in the middle of a batch on the only front-end: the client cannot move
     * to a peer, so within the threshold it gets the batch's error line and a
     * {@code database_unavailable} summary, not silence; re-posting after the database is back
     * finishes the batch with every transaction exactly once.
     */
    @Test
    void midBatchOutageEndsTheResponseWithTheErrorAndARePostFinishesIt(TestDatabase db) throws Exception {
        try (TcpProxy proxy = TcpProxy.start(databaseAddress(db));
                FrontendPool pool = oneFrontendVia(db, proxy)) {
            java.util.concurrent.atomic.AtomicLong cutAt = new java.util.concurrent.atomic.AtomicLong();
            pool.setHooks((point, fe, batch, seq, connection) -> {
                if (point == org.mtcp.frontend.engine.Hooks.Point.AFTER_LINE && seq == 3 && cutAt.get() == 0) {
                    cutAt.set(System.nanoTime());
                    proxy.setRefuse(true);
                    proxy.resetAll();
                }
            });
            String body = addBatch("outage", 6);
            try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
                HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.post("/v1/batches", body), null);
                assertThat(Duration.ofNanos(System.nanoTime() - cutAt.get())).as("answered, not silent").isLessThan(THRESHOLD.multipliedBy(3));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.lines()).hasSize(5);
                JsonNode error = JSON.readTree(r.lines().get(3));
                assertThat(error.get("seq").asInt()).isEqualTo(4);
                assertThat(error.get("error").get("code").asText()).isEqualTo("database_unavailable");
                JsonNode summary = JSON.readTree(r.lines().get(4));
                assertThat(summary.get("status").asText()).isEqualTo("database_unavailable");
                assertThat(summary.get("next").asInt()).isEqualTo(4);
            }
            pool.setHooks(null);
            proxy.setRefuse(false);
            try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
                await("the database is back").atMost(Duration.ofSeconds(10)).until(() ->
                        HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), HttpExchange.get("/healthz"), null).status() == 200);
                HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.post("/v1/batches", body), null);
                org.mtcp.frontend.testing.BatchChecks.check(r, FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties()),
                        "outage", 6);
                assertThat(JSON.readTree(r.lines().get(5)).get("result").get("value").asLong()).isEqualTo(21);
            }
        }
    }

    /**
     * With a failover wait ({@code --db-failover-wait}), an outage shorter than it is ridden
     * through: the database goes away in the middle of a batch on the only front-end (a primary
     * crashed) and comes back once the front-end has noticed (a standby promoted); the batch waits,
     * then completes on the same front-end, every transaction once, no error line.
     */
    @Test
    void withAFailoverWaitAMidBatchOutageIsWaitedOutAndTheBatchCompletes(TestDatabase db) throws Exception {
        try (TcpProxy proxy = TcpProxy.start(databaseAddress(db));
                FrontendPool pool = FrontendPool.start(1, viaProxy(db, proxy), db.adminProperties(), TestOps.operations(),
                        List.of(TestOps.SCHEMA), c -> c.withDatabaseTimeouts(
                                new FrontendConfig.DatabaseTimeouts(Duration.ofMillis(500), null, Duration.ofSeconds(30))))) {
            var gate = (org.mtcp.frontend.engine.DatabaseGate) pool.frontends().get(0).engine().store().dataSource();
            java.util.concurrent.CompletableFuture<Void> cut = new java.util.concurrent.CompletableFuture<>();
            pool.setHooks((point, fe, batch, seq, connection) -> {
                if (point == org.mtcp.frontend.engine.Hooks.Point.BEFORE_COMMIT && seq == 3 && !cut.isDone()) {
                    proxy.setRefuse(true);
                    proxy.resetAll();       // the database goes away between the snapshot and COMMIT
                    cut.complete(null);
                }
            });
            Thread restorer = Thread.ofVirtual().start(() -> {
                cut.join();
                await("the front-end notices the outage").atMost(Duration.ofSeconds(20))
                        .until(() -> gate.status().state() == org.mtcp.frontend.engine.DatabaseGate.State.DOWN);
                proxy.setRefuse(false);     // the database is back (a promoted standby) within the wait
            });
            String body = addBatch("failover", 6);
            try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
                HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.post("/v1/batches", body), null);
                restorer.join(Duration.ofSeconds(30));
                assertThat(cut).isDone();
                org.mtcp.frontend.testing.BatchChecks.check(r, FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties()),
                        "failover", 6);
                assertThat(JSON.readTree(r.lines().get(5)).get("result").get("value").asLong()).isEqualTo(21);
                assertThat(s.serversUsed()).as("waited out on the same front-end").containsExactly("s1");
            }
            assertThat(gate.status().state()).isEqualTo(org.mtcp.frontend.engine.DatabaseGate.State.UP);
        }
    }

    /**
     * A request whose client has gone starts no new transaction: the client's path breaks in the
     * middle of a batch (failover off: it never comes back); the front-end holds the orphan but runs
     * nothing more for it; a re-post on a new connection runs the rest, each transaction once.
     */
    @Test
    void anOrphanedBatchStartsNoTransactionUntilARePostAsks(TestDatabase db) throws Exception {
        try (FrontendPool pool = FrontendPool.start(1, db.jdbcUrl(), db.adminProperties(), TestOps.operations(),
                List.of(TestOps.SCHEMA), c -> c);
                TcpProxy path = TcpProxy.start(pool.addresses().get(0))) {
            java.util.concurrent.CompletableFuture<org.mtcp.core.MtcpServerConnection> orphan = new java.util.concurrent.CompletableFuture<>();
            pool.setHooks((point, fe, batch, seq, connection) -> {
                if (point == org.mtcp.frontend.engine.Hooks.Point.AFTER_LINE && seq == 2 && !orphan.isDone()) {
                    path.resetAll();
                    await("the front-end sees the client gone").atMost(Duration.ofSeconds(10))
                            .until(() -> connection.clientPresence() != org.mtcp.core.ClientPresence.LINKED);
                    orphan.complete(connection);
                }
            });
            String body = addBatch("orphan", 5);
            try (MtcpSocket s = MtcpSocket.connect(List.of(path.address()), ClientOptions.defaults().withFailover(false))) {
                s.getOutputStream().write(HttpExchange.post("/v1/batches", body));
                assertThat(orphan.get(30, java.util.concurrent.TimeUnit.SECONDS).clientPresence())
                        .isEqualTo(org.mtcp.core.ClientPresence.ORPHANED);
            }
            javax.sql.DataSource direct = FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties());
            await("nothing runs for the orphan").during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                    .until(() -> recorded(direct, "orphan") == 2);
            pool.setHooks(null);
            try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
                HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.post("/v1/batches", body), null);
                org.mtcp.frontend.testing.BatchChecks.check(r, direct, "orphan", 5);
                assertThat(JSON.readTree(r.lines().get(4)).get("result").get("value").asLong()).isEqualTo(15);
            }
            assertThat(recorded(direct, "orphan")).isEqualTo(5);
        }
    }

    private static final Pattern JDBC_URL = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/(.*)");

    /** The test database's host and port, to put a TcpProxy (the fault injector) in front of it. */
    static InetSocketAddress databaseAddress(TestDatabase db) {
        Matcher m = JDBC_URL.matcher(db.jdbcUrl());
        assertThat(m.matches()).as(db.jdbcUrl()).isTrue();
        return new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
    }

    /** One front-end that reaches the test database through {@code proxy}. */
    static FrontendPool oneFrontendVia(TestDatabase db, TcpProxy proxy) throws Exception {
        return FrontendPool.start(1, viaProxy(db, proxy), db.adminProperties(), TestOps.operations(), List.of(TestOps.SCHEMA), c -> c);
    }

    /** The test database's URL through {@code proxy}. */
    static String viaProxy(TestDatabase db, TcpProxy proxy) {
        Matcher m = JDBC_URL.matcher(db.jdbcUrl());
        assertThat(m.matches()).as(db.jdbcUrl()).isTrue();
        return "jdbc:postgresql://127.0.0.1:" + proxy.address().getPort() + "/" + m.group(3);
    }

    static int recorded(javax.sql.DataSource ds, String batch) throws java.sql.SQLException {
        try (var c = ds.getConnection(); var st = c.prepareStatement("SELECT count(*) FROM frontend.outcome WHERE batch = ?")) {
            st.setString(1, batch);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    static String addBatch(String key, int n) {
        StringBuilder body = new StringBuilder("{\"id\":\"" + key + "\",\"transactions\":[");
        for (int i = 1; i <= n; i++) {
            body.append(i == 1 ? "" : ",").append("{\"op\":\"add\",\"args\":{\"key\":\"").append(key)
                    .append("\",\"delta\":").append(i).append("}}");
        }
        return body.append("]}").toString();
    }
}
