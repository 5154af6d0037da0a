package org.mtcp.frontend.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
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
    final List<Process> processes = new ArrayList<>();
    final Map<Process, Path> logs = new java.util.HashMap<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            // the processes' output, for the test report
            System.out.println("---- output of " + p.info().commandLine().orElse("process").replaceAll(".* --name (\\S+).*", "$1"));
            System.out.println(Files.readString(logs.get(p)));
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    Process start(Path pool, String name, String url, String user, String password, Path ops) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, FrontendCommand.class.getName(),
                "--pool", pool.toString(), "--name", name, "--db", url, "--db-user", user,
                "--operations", ops.toString(), "--reconnect-timeout", "1s");
        Map<String, String> env = pb.environment();
        env.put("MTCP_DB_PASSWORD", password);
        env.put("MTCP_ADMIN_TOKEN", "process-token");
        pb.redirectErrorStream(true);
        Path log = Files.createTempFile("frontend-" + name, ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        processes.add(p);
        logs.put(p, log);
        return p;
    }

    /** Waits for the start-up line; returns all output so far. */
    String awaitLine(Process p, String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String output = Files.readString(logs.get(p));
            if (output.lines().anyMatch(l -> l.startsWith(prefix))) {
                return output;
            }
            assertThat(p.isAlive()).as("the process ended: " + output).isTrue();
            assertThat(System.nanoTime()).as("no line '" + prefix + "' within 60 s: " + output).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Readiness: the front-end answers /healthz over M-TCP (a cold JVM on a loaded machine may be slow at first). */
    static void awaitHealthy(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (MtcpSocket s = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", port)), ClientOptions.defaults())) {
                if (HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), HttpExchange.get("/healthz"), null).status() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            Thread.sleep(100);
        }
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
        Process p1 = start(pool, "s1", db.jdbcUrl(), user, password, ops);
        Process p2 = start(pool, "s2", db.jdbcUrl(), user, password, ops);
        assertThat(awaitLine(p1, "frontend s1 listening on 127.0.0.1:" + s1)).contains("admin=on");
        awaitLine(p2, "frontend s2 listening on 127.0.0.1:" + s2);
        awaitHealthy(s1);
        awaitHealthy(s2);

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
        Process p = start(pool, "s1", "jdbc:postgresql://127.0.0.1:" + port + "/none", "nobody", "x", ops);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(logs.get(p));
        assertThat(p.exitValue()).as(output).isEqualTo(1);
        assertThat(output).contains("error: cannot connect to the database jdbc:postgresql://127.0.0.1:" + port + "/none");
    }
}
