package org.mtcp.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.core.ServerOptions;
import org.mtcp.frontend.testing.BatchChecks;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.frontend.testing.TestOps;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/**
 * A client that stops reading holds no transaction thread: a transaction thread writes a batch's
 * lines itself only when the transport has room (a stretch, {@code BatchEngine}), and leaves a
 * write that would wait to the request's own thread. With one transaction thread (as many as
 * pooled connections), another client's batch completes while the first one's response is stuck.
 */
@LivePostgres(extensions = "mtcp")
class FrontendSlowClientTest {

    /** The server's retention (and inbound log): a request of {@link #STUCK} transactions fits, its response does not. */
    static final int RETAINED = 40 << 10;
    /** The client's receive buffer: it takes in this much, then acknowledges no more. */
    static final int CLIENT_BUFFER = 4 << 10;
    /** Response lines are about 100 bytes: 600 of them overflow the buffer and the retention. */
    static final int STUCK = 600;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)   // a held thread shows as a hang: B's transactions queue for it forever
    void aClientThatStopsReadingDoesNotHoldTheOnlyTransactionThread(TestDatabase db) throws Exception {
        DataSource direct = FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties());
        // One transaction thread, as with --db-pool-size 1 (which cannot start: Flyway takes two
        // of the pool's connections at start-up).
        try (FrontendPool pool = FrontendPool.start(1, ServerOptions.defaults().withMaxRetainedBytes(RETAINED), db.jdbcUrl(),
                db.adminProperties(), TestOps.operations(), List.of(TestOps.SCHEMA), UnaryOperator.identity());
                MtcpSocket a = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults().withReceiveBufferSize(CLIENT_BUFFER))) {
            pool.frontends().get(0).engine().useTransactionThreads(1);
            a.getOutputStream().write(HttpExchange.post("/v1/batches", batch("stuck", "s", STUCK)));
            a.getOutputStream().flush();
            // Its lines overflow the client's buffer and the transport's retention well before the end.
            int overflowing = (CLIENT_BUFFER + RETAINED) / 100 - 100;
            awaitOutcomes(direct, "stuck", overflowing);

            HttpExchange.Response b;
            try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
                b = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.post("/v1/batches", batch("reader", "r", 40)), null);
            }
            List<JsonNode> lines = BatchChecks.check(b, direct, "reader", 40);
            assertThat(lines).allSatisfy(l -> assertThat(l.get("outcome").asText()).isEqualTo("committed"));
            assertThat(lines.get(39).get("result").get("value").asLong()).isEqualTo(40);
            assertThat(outcomes(direct, "stuck")).as("the unread batch is stuck on its full transport").isLessThan(STUCK);

            HttpExchange.Response late = HttpExchange.read(a.getInputStream(), null);
            List<JsonNode> stuckLines = BatchChecks.check(late, direct, "stuck", STUCK);
            assertThat(stuckLines).allSatisfy(l -> assertThat(l.get("outcome").asText()).isEqualTo("committed"));
            assertThat(stuckLines.get(STUCK - 1).get("result").get("value").asLong()).isEqualTo(STUCK);
        }
    }

    /** {@code n} additions of 1 to key {@code key}: line i reports the value i. */
    static String batch(String id, String key, int n) {
        StringBuilder b = new StringBuilder("{\"id\":\"" + id + "\",\"transactions\":[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("{\"op\":\"add\",\"args\":{\"key\":\"").append(key).append("\",\"delta\":1}}");
        }
        return b.append("]}").toString();
    }

    static void awaitOutcomes(DataSource db, String batch, int atLeast) {
        await("batch " + batch + " reaches " + atLeast + " outcomes").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20)).until(() -> outcomes(db, batch) >= atLeast);
    }

    static int outcomes(DataSource db, String batch) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT count(*) FROM frontend.outcome WHERE batch = ?")) {
            st.setString(1, batch);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
