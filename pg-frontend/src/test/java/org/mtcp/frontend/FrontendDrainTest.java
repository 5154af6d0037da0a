package org.mtcp.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.frontend.FrontendServer.DrainReport;
import org.mtcp.frontend.engine.Hooks;
import org.mtcp.frontend.http.OperatorControls.Phase;
import org.mtcp.frontend.testing.BatchChecks;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.frontend.testing.TestOps;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/**
 * Issue 10: a drain with no peer to move to (a pool of one). The client is asked to move, cannot,
 * and stays; the batch it is running either ends within the drain timeout (then {@code /healthz}
 * on that same, still held connection answers {@code draining}), or the timeout drops the
 * connection with the count in the drain's log line. Either way nothing is lost or run twice:
 * the lines the client got are the database's records, and a re-post of the cut batch to a
 * front-end started afterwards completes it, running each transaction once.
 */
@LivePostgres(extensions = "mtcp")
class FrontendDrainTest {

    static final int TRANSACTIONS = 10;

    TestDatabase db;
    DataSource ds;
    final List<FrontendPool> pools = new ArrayList<>();
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream originalErr;

    @BeforeEach
    void setUp(TestDatabase database) {
        db = database;
        ds = FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties());
        originalErr = System.err;
        System.setErr(new PrintStream(new TeeStream(originalErr, log), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() throws Exception {
        System.setErr(originalErr);
        for (FrontendPool p : pools) {
            p.close();
        }
    }

    FrontendPool startAlone() throws Exception {
        FrontendPool p = FrontendPool.start(1, db.jdbcUrl(), db.adminProperties(), TestOps.operations(),
                List.of(TestOps.SCHEMA), UnaryOperator.identity());
        pools.add(p);
        return p;
    }

    @Test
    void aBatchThatEndsWithinTheDrainIsCompleteAndItsConnectionHearsDraining() throws Exception {
        FrontendPool pool = startAlone();
        FrontendServer fe = pool.frontends().get(0);
        CountDownLatch midBatch = new CountDownLatch(1);
        fe.engine().setHooks((point, frontend, batch, seq, connection) -> {
            if (point == Hooks.Point.AFTER_LINE && seq == 5) {
                midBatch.countDown();
                // the drain has begun (and asked this client to move, which it cannot) before the batch goes on
                await().atMost(Duration.ofSeconds(20)).until(() -> fe.phase() == Phase.DRAINING);
            }
        });
        try (MtcpSocket socket = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
            CompletableFuture<HttpExchange.Response> batch = CompletableFuture.supplyAsync(() -> exchange(socket,
                    HttpExchange.post("/v1/batches", batch("ends", TRANSACTIONS)), new AtomicInteger()));
            assertThat(midBatch.await(30, TimeUnit.SECONDS)).as("the batch reached its 5th line").isTrue();
            CompletableFuture<DrainReport> drain = CompletableFuture.supplyAsync(() -> fe.drain(Duration.ofSeconds(20)));

            HttpExchange.Response r = batch.get(30, TimeUnit.SECONDS);
            ranOnce("ends", BatchChecks.check(r, ds, "ends", TRANSACTIONS));
            assertThat(socket.serversUsed()).as("no peer: the connection stayed").containsExactly(fe.name());

            HttpExchange.Response health = exchange(socket, HttpExchange.get("/healthz"), new AtomicInteger());
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.bodyText()).contains("\"status\":\"draining\"");
            assertThat(drain).as("the drain waits for the connection still held").isNotDone();

            socket.close(); // the client goes away: nothing is held any more, the drain ends before its timeout
            DrainReport report = drain.get(30, TimeUnit.SECONDS);
            assertThat(report.held()).isEqualTo(1);
            assertThat(report.moved()).isZero();
            assertThat(report.dropped()).isZero();
            assertThat(report.took()).isLessThan(Duration.ofSeconds(20));
        }
        assertThat(log.toString(StandardCharsets.UTF_8))
                .contains("front-end " + fe.name() + " drained in ")
                .contains(": 0 of 1 connection(s) moved to peers, 0 dropped")
                .as("the transport closed by the drain is not an accept failure").doesNotContain("Accept Failure");
    }

    @Test
    void aBatchHeldPastTheDrainTimeoutIsDroppedAndARepostCompletesItOnce() throws Exception {
        FrontendPool pool = startAlone();
        FrontendServer fe = pool.frontends().get(0);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        fe.engine().setHooks((point, frontend, batch, seq, connection) -> {
            if (point == Hooks.Point.BEFORE_COMMIT && seq == 5) {
                held.countDown();           // transaction 5: snapshot exported, COMMIT not sent
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        String body = batch("cut", TRANSACTIONS);
        AtomicInteger linesSeen = new AtomicInteger();
        CompletableFuture<DrainReport> drain;
        try (MtcpSocket socket = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults().withFailover(false))) {
            CompletableFuture<HttpExchange.Response> batch = CompletableFuture.supplyAsync(
                    () -> exchange(socket, HttpExchange.post("/v1/batches", body), linesSeen));
            assertThat(held.await(30, TimeUnit.SECONDS)).as("transaction 5 is held before its COMMIT").isTrue();
            drain = CompletableFuture.supplyAsync(() -> fe.drain(Duration.ofMillis(500)));

            // the timeout passes, the connection is dropped: the client's response ends early
            await().atMost(Duration.ofSeconds(30)).until(batch::isDone);
            assertThatThrownBy(batch::join).hasRootCauseInstanceOf(IOException.class);
            release.countDown();
        }
        DrainReport report = drain.get(30, TimeUnit.SECONDS);
        assertThat(report.held()).isEqualTo(1);
        assertThat(report.moved()).isZero();
        assertThat(report.dropped()).isEqualTo(1);
        assertThat(log.toString(StandardCharsets.UTF_8))
                .contains(": 0 of 1 connection(s) moved to peers, 1 dropped");

        // what the client got is what the database recorded: the first four outcomes
        assertThat(linesSeen.get()).isEqualTo(4);
        List<String> recorded = recordedLines("cut");
        assertThat(recorded.size()).as("outcomes recorded: the 4 the client got, and transaction 5 if its COMMIT went through")
                .isBetween(4, 5);

        // a front-end started afterwards (the restarted process) completes the batch on a re-post, running nothing twice
        FrontendPool restarted = startAlone();
        try (MtcpSocket socket = MtcpSocket.connect(restarted.addresses(), ClientOptions.defaults())) {
            HttpExchange.Response r = exchange(socket, HttpExchange.post("/v1/batches", body), new AtomicInteger());
            List<JsonNode> lines = BatchChecks.check(r, ds, "cut", TRANSACTIONS);
            ranOnce("cut", lines);
            assertThat(r.lines().subList(0, recorded.size())).as("the outcomes recorded before the drop are re-sent as they were")
                    .isEqualTo(recorded);
        }
    }

    // ------------------------------------------------------------------------------------------

    static HttpExchange.Response exchange(MtcpSocket socket, byte[] request, AtomicInteger linesSeen) {
        try {
            return HttpExchange.exchange(socket.getInputStream(), socket.getOutputStream(), request,
                    line -> linesSeen.incrementAndGet());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** n adds on this batch's own keys, the 3rd one failing ("fail": aborted). */
    static String batch(String id, int n) {
        StringBuilder b = new StringBuilder("{\"id\":\"" + id + "\",\"transactions\":[");
        for (int i = 1; i <= n; i++) {
            b.append(i > 1 ? "," : "");
            if (i == 3) {
                b.append("{\"op\":\"fail\"}");
            } else {
                b.append("{\"op\":\"add\",\"args\":{\"key\":\"").append(id).append("-").append(i)
                        .append("\",\"delta\":").append(i).append("}}");
            }
        }
        return b.append("]}").toString();
    }

    List<String> recordedLines(String batch) throws Exception {
        List<String> lines = new ArrayList<>();
        try (Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT line FROM frontend.outcome WHERE batch = ? ORDER BY seq")) {
            st.setString(1, batch);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    lines.add(rs.getString(1));
                }
            }
        }
        return lines;
    }

    /** Every committed add ran exactly once, and all but the failing one committed. */
    void ranOnce(String batch, List<JsonNode> lines) throws Exception {
        assertThat(TestOps.assertCommittedAddsRanOnce(ds, batch, lines)).hasSize(TRANSACTIONS - 1);
    }

    /** Writes to two streams: the log stays visible while the test reads it. */
    static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            synchronized (b) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            a.write(bytes, off, len);
            synchronized (b) {
                b.write(bytes, off, len);
            }
        }
    }
}
