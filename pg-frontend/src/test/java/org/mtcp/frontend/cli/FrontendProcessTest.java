package org.mtcp.frontend.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.frontend.testing.FrontendProcess;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/**
 * {@code mtcp frontend} as real processes: two front-ends from a pool file, SQL-declared
 * operations, a batch that migrates from one process to the other; and the start-up error when
 * the database is unreachable.
 */
@LivePostgres(extensions = "mtcp")
class FrontendProcessTest {

    static final ObjectMapper JSON = new ObjectMapper();
    final List<FrontendProcess> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (FrontendProcess p : processes) {
            p.stop();
            // the processes' output, for the test report
            System.out.println("---- output of " + p.name());
            System.out.println(p.output());
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    FrontendProcess start(Path pool, String name, String url, String user, String password, Path ops) throws Exception {
        FrontendProcess p = FrontendProcess.start(pool, name, url, user, password,
                List.of("--operations", ops.toString(), "--reconnect-timeout", "1s"));
        processes.add(p);
        return p;
    }

    @Test
    void twoFrontEndProcessesShareABatch(TestDatabase db, @TempDir Path dir) throws Exception {
        db.execute("CREATE SCHEMA cli", "CREATE TABLE cli.notes (batch text, seq int, note text)");
        Path ops = Files.writeString(dir.resolve("ops.sql"), """
                -- operation: note
                -- params: text text
                -- returns: count
                -- expect: 1
                INSERT INTO cli.notes (batch, seq, note) VALUES ('x', 0, :text);
                """);
        int s1 = freePort();
        int c1 = freePort();
        int s2 = freePort();
        int c2 = freePort();
        Path pool = Files.writeString(dir.resolve("pool.conf"), """
                secret hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
                server s1 127.0.0.1:%d 127.0.0.1:%d
                server s2 127.0.0.1:%d 127.0.0.1:%d
                """.formatted(s1, c1, s2, c2));
        String user = db.adminProperties().getProperty("user");
        String password = db.adminProperties().getProperty("password", "");
        FrontendProcess p1 = start(pool, "s1", db.jdbcUrl(), user, password, ops);
        FrontendProcess p2 = start(pool, "s2", db.jdbcUrl(), user, password, ops);
        assertThat(p1.awaitLine("frontend s1 listening on 127.0.0.1:" + s1)).contains("admin=on");
        p2.awaitLine("frontend s2 listening on 127.0.0.1:" + s2);
        FrontendProcess.awaitHealthy(s1, Duration.ofSeconds(60));
        FrontendProcess.awaitHealthy(s2, Duration.ofSeconds(60));

        StringBuilder body = new StringBuilder("{\"id\":\"procs\",\"transactions\":[");
        for (int i = 0; i < 40; i++) {
            body.append(i == 0 ? "" : ",").append("{\"op\":\"note\",\"args\":{\"text\":\"n").append(i).append("\"}}");
        }
        body.append("]}");
        try (MtcpSocket s = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", s1)), ClientOptions.defaults())) {
            AtomicBoolean moved = new AtomicBoolean();
            HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                    HttpExchange.post("/v1/batches", body.toString()), line -> {
                        if (line == 10 && !moved.getAndSet(true)) {
                            try {
                                s.migrate("s2");
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    });
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.lines()).hasSize(41);
            assertThat(s.serversUsed()).containsExactly("s1", "s2");
            for (int i = 0; i < 40; i++) {
                assertThat(JSON.readTree(r.lines().get(i)).get("seq").asInt()).isEqualTo(i + 1);
            }
            assertThat(JSON.readTree(r.lines().get(40)).get("committed").asInt()).isEqualTo(40);
            assertThat(r.lines().stream().anyMatch(l -> l.contains("\"frontend\":\"s2\""))).isTrue();
        }
        try (var c = db.connect(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*), count(DISTINCT note) FROM cli.notes")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(40);
            assertThat(rs.getInt(2)).isEqualTo(40);
        }
    }

    @Test
    void anUnreachableDatabaseIsAClearStartUpError(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path pool = Files.writeString(dir.resolve("pool.conf"), """
                secret hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
                server s1 127.0.0.1:%d 127.0.0.1:%d
                """.formatted(freePort(), freePort()));
        Path ops = Files.writeString(dir.resolve("ops.sql"), "");
        FrontendProcess p = start(pool, "s1", "jdbc:postgresql://127.0.0.1:" + port + "/none", "nobody", "x", ops);
        assertThat(p.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = p.output();
        assertThat(p.process().exitValue()).as(output).isEqualTo(1);
        assertThat(output).contains("error: cannot connect to the database jdbc:postgresql://127.0.0.1:" + port + "/none");
    }
}
