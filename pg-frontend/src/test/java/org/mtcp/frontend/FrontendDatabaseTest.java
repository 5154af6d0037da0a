package org.mtcp.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.frontend.testing.TestOps;
import org.mtcp.core.local.TcpProxy;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/** A front-end whose database is unreachable, at start-up or later, says so clearly. */
@LivePostgres(extensions = "mtcp")
class FrontendDatabaseTest {

    static final ObjectMapper JSON = new ObjectMapper();

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
        Matcher m = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/(.*)").matcher(db.jdbcUrl());
        assertThat(m.matches()).isTrue();
        try (TcpProxy proxy = TcpProxy.start(new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2))))) {
            String viaProxy = "jdbc:postgresql://127.0.0.1:" + proxy.address().getPort() + "/" + m.group(3);
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
        Matcher m = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/(.*)").matcher(db.jdbcUrl());
        assertThat(m.matches()).as(db.jdbcUrl()).isTrue();
        try (TcpProxy proxy = TcpProxy.start(new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2))))) {
            String viaProxy = "jdbc:postgresql://127.0.0.1:" + proxy.address().getPort() + "/" + m.group(3);
            try (FrontendPool pool = FrontendPool.start(1, viaProxy, db.adminProperties(), TestOps.operations(),
                    List.of(TestOps.SCHEMA), c -> c)) {
                try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
                    HttpExchange.Response ok = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                            HttpExchange.get("/healthz"), null);
                    assertThat(ok.status()).isEqualTo(200);

                    proxy.setRefuse(true);
                    proxy.resetAll();

                    HttpExchange.Response down = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                            HttpExchange.get("/healthz"), null);
                    assertThat(down.status()).isEqualTo(503);
                    JsonNode health = JSON.readTree(down.body());
                    assertThat(health.get("status").asText()).isEqualTo("unavailable");
                    assertThat(health.get("database").asText()).startsWith("unreachable");

                    HttpExchange.Response batch = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                            HttpExchange.post("/v1/batches", "{\"id\":\"while-down\",\"transactions\":[{\"op\":\"fail\"}]}"), null);
                    assertThat(batch.status()).isEqualTo(503);
                    assertThat(JSON.readTree(batch.body()).get("error").get("code").asText()).isEqualTo("database_unavailable");
                    assertThat(pool.frontends().get(0).metrics().registry().get("mtcp.frontend.database.errors").counter().count()).isPositive();

                    proxy.setRefuse(false);
                    HttpExchange.Response back = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                            HttpExchange.get("/healthz"), null);
                    assertThat(back.status()).isEqualTo(200);
                }
            }
        }
    }
}
