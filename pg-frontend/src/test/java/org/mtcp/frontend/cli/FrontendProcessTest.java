package org.mtcp.frontend.cli;

import org.mtcp.testkit.FreePorts;
import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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

    FrontendProcess start(Path pool, String name, String url, String user, String password, Path ops, String... extraArgs)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("--operations", ops.toString(), "--reconnect-timeout", "1s"));
        args.addAll(List.of(extraArgs));
        FrontendProcess p = FrontendProcess.start(pool, name, url, user, password, args);
        processes.add(p);
        return p;
    }

    @Test
    void twoFrontEndProcessesShareABatch(TestDatabase db, @TempDir Path dir) throws Exception {
        Pair pair = startPair(db, dir);
        assertThat(pair.p1().output()).contains("admin=on");
        // FrontendProcess runs it with --plaintext: said at start-up, twice
        assertThat(pair.p1().output()).contains(org.mtcp.core.tls.TlsFlags.PLAINTEXT_WARNING).contains(" links=PLAINTEXT");
        int s1 = pair.s1();
        byte[] body = notesBatch("procs", 40);
        try (MtcpSocket s = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", s1)), ClientOptions.defaults())) {
            // s1 waits 200 ms before each line, so it cannot finish the batch before the client has
            // moved at line 10 (on a loaded machine it otherwise could, and s2 would only resend).
            slowDown(s, 200);
            AtomicBoolean moved = new AtomicBoolean();
            HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                    body, line -> {
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
                var rs = st.executeQuery("SELECT count(*), count(DISTINCT note) FROM cli.notes WHERE note LIKE 'procs-%'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(40);
            assertThat(rs.getInt(2)).isEqualTo(40);
        }
    }

    /** Two front-end processes s1 and s2 of one pool, the note operation, both ready. */
    record Pair(FrontendProcess p1, FrontendProcess p2, int s1, int s2) {}

    Pair startPair(TestDatabase db, Path dir, String... extraArgs) throws Exception {
        db.execute("CREATE SCHEMA IF NOT EXISTS cli", "CREATE TABLE IF NOT EXISTS cli.notes (batch text, seq int, note text)");
        Path ops = Files.writeString(dir.resolve("ops.sql"), """
                -- operation: note
                -- params: text text
                -- returns: count
                -- expect: 1
                INSERT INTO cli.notes (batch, seq, note) VALUES ('x', 0, :text);
                """);
        int s1 = FreePorts.reserve();
        int s2 = FreePorts.reserve();
        Path pool = Files.writeString(dir.resolve("pool.conf"), """
                secret hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
                server s1 127.0.0.1:%d 127.0.0.1:%d
                server s2 127.0.0.1:%d 127.0.0.1:%d
                """.formatted(s1, FreePorts.reserve(), s2, FreePorts.reserve()));
        String user = db.adminProperties().getProperty("user");
        String password = db.adminProperties().getProperty("password", "");
        FrontendProcess p1 = start(pool, "s1", db.jdbcUrl(), user, password, ops, extraArgs);
        FrontendProcess p2 = start(pool, "s2", db.jdbcUrl(), user, password, ops, extraArgs);
        p1.awaitLine("frontend s1 listening on 127.0.0.1:" + s1);
        p2.awaitLine("frontend s2 listening on 127.0.0.1:" + s2);
        FrontendProcess.awaitHealthy(s1, Duration.ofSeconds(60));
        FrontendProcess.awaitHealthy(s2, Duration.ofSeconds(60));
        return new Pair(p1, p2, s1, s2);
    }

    static byte[] notesBatch(String id, int n) {
        StringBuilder body = new StringBuilder("{\"id\":\"" + id + "\",\"transactions\":[");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append("{\"op\":\"note\",\"args\":{\"text\":\"").append(id).append("-n").append(i).append("\"}}");
        }
        return HttpExchange.post("/v1/batches", body.append("]}").toString());
    }

    static void slowDown(MtcpSocket s, int delayMs) throws Exception {
        HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), HttpExchange.post(
                "/admin/slowdown", "{\"delayMs\":" + delayMs + "}", "Authorization: Bearer " + FrontendProcess.ADMIN_TOKEN), null);
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void sigtermDrainsALiveBatchToThePeerAndExitsZero(TestDatabase db, @TempDir Path dir) throws Exception {
        Pair pair = startPair(db, dir);
        try (MtcpSocket s = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", pair.s1())), ClientOptions.defaults())) {
            slowDown(s, 100); // the batch lasts 4 s on s1: SIGTERM arrives in the middle of it
            HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), notesBatch("drained", 40),
                    line -> {
                        if (line == 5) {
                            pair.p1().process().destroy(); // SIGTERM
                        }
                    });
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.lines()).hasSize(41);
            for (int i = 0; i < 40; i++) {
                assertThat(JSON.readTree(r.lines().get(i)).get("seq").asInt()).isEqualTo(i + 1);
            }
            assertThat(JSON.readTree(r.lines().get(40)).get("committed").asInt()).isEqualTo(40);
            assertThat(s.serversUsed()).containsExactly("s1", "s2");
        }
        assertThat(pair.p1().process().waitFor(30, TimeUnit.SECONDS)).as("s1 exits after its drain").isTrue();
        String output = pair.p1().output();
        assertThat(pair.p1().process().exitValue()).as(output).isZero();
        assertThat(output).contains("front-end s1 drained in").contains("1 of 1 connection(s) moved to peers, 0 dropped");
        try (var c = db.connect(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*), count(DISTINCT note) FROM cli.notes WHERE note LIKE 'drained-%'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("every transaction exactly once").isEqualTo(40);
            assertThat(rs.getInt(2)).isEqualTo(40);
        }
    }

    /**
     * Issue 14 (front-end): with {@code --state-transfer replicated} the process serving a batch is
     * killed with SIGKILL in the middle of it; the client, on the default keepalive and failover
     * settings, resumes on the other front-end from the replicated snapshot: the batch completes
     * there, every outcome line once and in order, every transaction once in the database.
     */
    @Test
    void aBatchSurvivesSigkillOfItsFrontEndWithReplicatedTransfer(TestDatabase db, @TempDir Path dir) throws Exception {
        Pair pair = startPair(db, dir, "--state-transfer", "replicated");
        assertThat(pair.p1().output()).contains("state-transfer=replicated(1)");
        int n = 40;
        long seed = Long.getLong("mtcp.frontendKill.seed", System.nanoTime());
        int killAfter = 1 + new java.util.Random(seed).nextInt(n - 5);   // lines received before the kill
        String context = "seed " + seed + ": SIGKILL of s1 after " + killAfter + " lines";
        try (MtcpSocket s = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", pair.s1())), ClientOptions.defaults())) {
            slowDown(s, 100); // the batch lasts 4 s on s1: the kill lands in the middle of it
            HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), notesBatch("killed", n),
                    line -> {
                        if (line == killAfter) {
                            pair.p1().process().destroyForcibly(); // SIGKILL
                        }
                    });
            assertThat(r.status()).as(context).isEqualTo(200);
            assertThat(r.lines()).as(context + "\n" + pair.p2().output()).hasSize(n + 1);
            for (int i = 0; i < n; i++) {
                assertThat(JSON.readTree(r.lines().get(i)).get("seq").asInt()).as(context).isEqualTo(i + 1);
            }
            assertThat(JSON.readTree(r.lines().get(n)).get("committed").asInt()).as(context).isEqualTo(n);
            assertThat(s.serversUsed()).as(context).containsExactly("s1", "s2");
        }
        System.out.println(context + ": the batch completed on s2");
        assertThat(pair.p1().process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        try (var c = db.connect(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*), count(DISTINCT note) FROM cli.notes WHERE note LIKE 'killed-%'")) {
            rs.next();
            assertThat(rs.getInt(1)).as(context + ": every transaction exactly once").isEqualTo(n);
            assertThat(rs.getInt(2)).isEqualTo(n);
        }
    }

    /**
     * Issue 14 (front-end), SIGSTOP: the serving process is stopped at line 10 instead of killed.
     * The client gives it up after the keepalive bound (5 s), s2 waits out the control timeout
     * asking it (3 s), then resumes from the replicated snapshot, waiting up to
     * {@code --reconnect-timeout} for the stopped one's open transaction; s1 is continued
     * (SIGCONT) once the batch is complete, then drained: it added nothing.
     */
    @Test
    void aBatchSurvivesSigstopOfItsFrontEndWithReplicatedTransfer(TestDatabase db, @TempDir Path dir) throws Exception {
        Pair pair = startPair(db, dir, "--state-transfer", "replicated");
        int n = 40;
        try (MtcpSocket s = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", pair.s1())), ClientOptions.defaults())) {
            slowDown(s, 100);
            HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), notesBatch("sigstop", n),
                    line -> {
                        if (line == 10) {
                            try {
                                signal(pair.p1(), "STOP");
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        }
                    });
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.lines()).as(pair.p2().output()).hasSize(n + 1);
            for (int i = 0; i < n; i++) {
                assertThat(JSON.readTree(r.lines().get(i)).get("seq").asInt()).isEqualTo(i + 1);
            }
            assertThat(JSON.readTree(r.lines().get(n)).get("committed").asInt()).isEqualTo(n);
            assertThat(s.serversUsed()).containsExactly("s1", "s2");
        } finally {
            signal(pair.p1(), "CONT");
        }
        // s1, continued, finds its database session fenced (stopped inside a transaction: s2 had it
        // aborted) or its client gone before the next one (it pauses the batch). Then it drains and
        // exits; whatever it did after SIGCONT is in the database by then.
        pair.p1().process().destroy(); // SIGTERM
        assertThat(pair.p1().process().waitFor(30, TimeUnit.SECONDS)).as("s1 exits after its drain").isTrue();
        try (var c = db.connect(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*), count(DISTINCT note) FROM cli.notes WHERE note LIKE 'sigstop-%'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("every transaction exactly once").isEqualTo(n);
            assertThat(rs.getInt(2)).isEqualTo(n);
        }
    }

    @Test
    void aSecondSigtermStopsAtOnce(TestDatabase db, @TempDir Path dir) throws Exception {
        Pair pair = startPair(db, dir, "--drain-timeout", "2m");
        pair.p2().process().destroy(); // no peer left: the client of s1 cannot move, the drain would wait 2 minutes
        assertThat(pair.p2().process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        try (MtcpSocket s = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", pair.s1())), ClientOptions.defaults())) {
            slowDown(s, 0);
            pair.p1().process().destroy();
            await("s1 logs its drain").atMost(Duration.ofSeconds(30))
                    .until(() -> pair.p1().output().contains("front-end s1 draining"));
            long t0 = System.nanoTime();
            pair.p1().process().destroy(); // the second SIGTERM
            assertThat(pair.p1().process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMinutes(1));
        }
        String output = pair.p1().output();
        assertThat(pair.p1().process().exitValue()).as(output).isZero();
        assertThat(output).contains("second SIGTERM: stopping at once").contains("drain cut short, 1 connection(s) dropped");
    }

    /** {@code kill -SIG pid}: the real signal, as an operator (or a hung machine) would deliver it. */
    static void signal(FrontendProcess p, String sig) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(p.process().pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -" + sig).isZero();
    }

    /**
     * Issue 11, point 3: s1 is stopped (SIGSTOP) in the middle of a batch; the client re-posts the
     * batch id on s2; then the old connection moves to s2 with its snapshot while s1 is continued
     * (SIGCONT). The newest request wins: the re-post completes with every outcome exactly once,
     * the old request neither resumes nor fences it (it ends as taken-over), and the database
     * holds each transaction once.
     */
    @Test
    void theNewestRequestWinsOverAHolderWokenFromSigstop(TestDatabase db, @TempDir Path dir) throws Exception {
        Pair pair = startPair(db, dir);
        int n = 40;
        ClientOptions patient = ClientOptions.defaults().withFailover(false).withKeepaliveInterval(Duration.ofSeconds(30));
        try (MtcpSocket s = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", pair.s1())), patient);
                MtcpSocket admin2 = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", pair.s2())), ClientOptions.defaults())) {
            slowDown(s, 100);        // s1 is in the middle of the batch when it is stopped
            slowDown(admin2, 50);    // s2's re-post is still running when s1 wakes up
            var old = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), notesBatch("stopped", n), line -> {
                        if (line == 5) {
                            try {
                                signal(pair.p1(), "STOP");
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        }
                    });
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            await("s1 stopped mid-batch").atMost(Duration.ofSeconds(30)).until(() -> stopped(pair.p1()));

            try (MtcpSocket repost = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", pair.s2())), ClientOptions.defaults())) {
                java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
                var fresh = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return HttpExchange.exchange(repost.getInputStream(), repost.getOutputStream(), notesBatch("stopped", n),
                                seen::set);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
                // the re-post has taken the batch over (its first lines are out) and is still running
                await("the re-post runs on s2").atMost(Duration.ofSeconds(30)).until(() -> seen.get() >= 8);
                assertThat(fresh).isNotDone();
                // the old connection moves to s2 with its snapshot; s1 wakes up and answers the state transfer
                var moved = java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try {
                        s.migrate("s2");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
                signal(pair.p1(), "CONT");

                HttpExchange.Response r = fresh.get(60, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.lines()).hasSize(n + 1);
                for (int i = 0; i < n; i++) {
                    assertThat(JSON.readTree(r.lines().get(i)).get("seq").asInt()).isEqualTo(i + 1);
                }
                var summary = JSON.readTree(r.lines().get(n));
                assertThat(summary.get("status").asText()).as("the re-post is not taken over by the old holder").isEqualTo("complete");
                assertThat(summary.get("committed").asInt()).isEqualTo(n);

                moved.get(30, TimeUnit.SECONDS);
                HttpExchange.Response o = old.get(60, TimeUnit.SECONDS);
                assertThat(JSON.readTree(o.lines().get(o.lines().size() - 1)).get("status").asText())
                        .as("the old request ends without running anything more").isEqualTo("taken-over");
            }
        }
        try (var c = db.connect(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*), count(DISTINCT note) FROM cli.notes WHERE note LIKE 'stopped-%'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("every transaction exactly once").isEqualTo(n);
            assertThat(rs.getInt(2)).isEqualTo(n);
        }
        String out1 = pair.p1().output();
        String out2 = pair.p2().output();
        assertThat(out1 + out2).as("nobody resumed the old request").doesNotContain("resumed batch stopped");
    }

    /** Whether the process is stopped (state T in /proc/PID/stat). */
    static boolean stopped(FrontendProcess p) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(p.process().pid()), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
    }

    @Test
    void anUnreachableDatabaseIsAClearStartUpError(@TempDir Path dir) throws Exception {
        int port = FreePorts.reserve();
        Path pool = Files.writeString(dir.resolve("pool.conf"), """
                secret hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
                server s1 127.0.0.1:%d 127.0.0.1:%d
                """.formatted(FreePorts.reserve(), FreePorts.reserve()));
        Path ops = Files.writeString(dir.resolve("ops.sql"), "");
        FrontendProcess p = start(pool, "s1", "jdbc:postgresql://127.0.0.1:" + port + "/none", "nobody", "x", ops);
        assertThat(p.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = p.output();
        assertThat(p.process().exitValue()).as(output).isEqualTo(1);
        assertThat(output).contains("error: cannot connect to the database jdbc:postgresql://127.0.0.1:" + port + "/none");
    }
}
