package org.mtcp.webapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mtcp.webapp.BankTestData.body;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.ClientOptions;
import org.mtcp.frontend.engine.Hooks;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.FrontendProcess;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;
import org.mtcp.testkit.FreePorts;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.webapp.BankTestData.Transfer;

/**
 * Issue 14, front-end at scale, real processes killed for real: three {@code mtcp frontend
 * --state-transfer replicated} processes with the bank, the client-side proxy, and per trial one
 * 200-transfer batch posted through the proxy by a plain socket client. The process serving it
 * (the proxy's {@code open} line names it) is SIGKILLed, or SIGSTOPped and later SIGCONTed, at a
 * seeded random point: when the client has read line k, or at an exact engine point of
 * transaction k ({@link HookedFrontend}: between snapshot and COMMIT, after COMMIT before the
 * line, before the snapshot, after the line, before the summary), where that process waits for
 * the signal. Then the killed process starts again on its ports, so that every trial has a pool
 * of three.
 *
 * <p>Checks after every trial, over every batch posted so far: the response has each outcome line
 * exactly once and in order, then a complete summary, and each line is byte for byte the
 * front-end's recorded outcome ({@code frontend.outcome}); {@code bank.transfers} has one row per
 * committed line and nothing else; money is conserved. A stopped holder is continued (and, at an
 * engine point, let go on), then drained and gone with its database sessions before the checks: it
 * added nothing.
 *
 * <p>One test method, one database: a failed trial leaves rows the next check would blame on
 * another batch. The seed is printed; {@code -Dmtcp.frontendKill.seed=S} replays a run,
 * {@code -Dmtcp.frontendKill.trials=N} and {@code -Dmtcp.frontendKill.stopTrials=N} change the
 * numbers of SIGKILL (20) and SIGSTOP (3) trials.
 */
@LivePostgres(extensions = "mtcp")
class FrontendKillTest {

    static final int FRONTENDS = 3;
    static final int TRANSFERS = 200;
    static final int ACCOUNTS = 100;
    static final long INITIAL = 10_000;
    static final int SIGKILL_TRIALS = Integer.getInteger("mtcp.frontendKill.trials", 20);
    static final int SIGSTOP_TRIALS = Integer.getInteger("mtcp.frontendKill.stopTrials", 3);
    static final Duration STARTUP = Duration.ofSeconds(90);
    static final Pattern OPEN = Pattern.compile("open #(\\d+) .* server=(\\S+)");
    static final Pattern CLOSE = Pattern.compile("close #(\\d+) .* servers=\\[([^]]*)]");

    final List<FrontendProcess> everyProcess = new CopyOnWriteArrayList<>();
    final List<String> proxyEvents = new CopyOnWriteArrayList<>();
    final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    MigratoryProxy proxy;
    /** Every batch posted, with its response: the exactly-once check covers every row of {@code bank.transfers}. */
    final List<RollingRestartTest.Posted> posted = new CopyOnWriteArrayList<>();

    /** Where the holder is signalled: after the client read line {@code seq} (point null), or at an engine point. */
    record KillAt(Hooks.Point point, int seq) {
        @Override
        public String toString() {
            return point == null ? "after the client read line " + seq : "at " + point + " of transaction " + seq;
        }
    }

    /** The pool of front-end processes, their ports and the proxy in front of them. */
    final class Cluster {
        final TestDatabase db;
        final Path pool;
        final DataSource ds;
        final String user;
        final String password;
        final List<String> names = new ArrayList<>();
        final List<Integer> ports = new ArrayList<>();
        final List<FrontendProcess> processes = new ArrayList<>();
        int connections;
        /** The front-end started again after the last trial, maybe not ready yet (-1: none). */
        int restarting = -1;

        Cluster(TestDatabase db, Path dir) throws Exception {
            this.db = db;
            this.user = db.adminProperties().getProperty("user");
            this.password = db.adminProperties().getProperty("password", "");
            this.ds = FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties());
            StringBuilder poolFile = new StringBuilder(
                    "secret hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
            for (int i = 1; i <= FRONTENDS; i++) {
                names.add("fe" + i);
                ports.add(FreePorts.reserve());
                poolFile.append("server fe").append(i).append(" 127.0.0.1:").append(ports.getLast())
                        .append(" 127.0.0.1:").append(FreePorts.reserve()).append('\n');
            }
            pool = Files.writeString(dir.resolve("pool.conf"), poolFile);
            // the first one creates the schemas, the others only check them
            for (int i = 0; i < FRONTENDS; i++) {
                processes.add(start(i, i > 0));
                if (i == 0) {
                    awaitReady(0);
                }
            }
            for (int i = 1; i < FRONTENDS; i++) {
                awaitReady(i);
            }
            RollingRestartTest.openAccounts(ds, ACCOUNTS, INITIAL);
            List<InetSocketAddress> addresses = ports.stream().map(p -> new InetSocketAddress("127.0.0.1", p)).toList();
            proxy = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0),
                    // Each trial chooses its holder by the pool's order (serveFirst): the proxy must not
                    // reorder it by its memory of failed servers (30 s by default), which can outlive
                    // a restart (seen here: a restarted, healthy holder marked FAILED, tried last).
                    new ProxySettings(addresses, ClientOptions.defaults(), 16 * 1024, 64, Duration.ZERO),
                    EventLog.to(text -> proxyEvents.add(Instant.now() + " " + text)));
            proxy.serveInBackground();
        }

        FrontendProcess start(int i, boolean noMigrate) throws Exception {
            List<String> args = new ArrayList<>(List.of("--state-transfer", "replicated", "--reconnect-timeout", "1s",
                    "--drain-timeout", "3s"));
            if (noMigrate) {
                args.add("--no-migrate");
            }
            FrontendProcess p = FrontendProcess.start(HookedFrontend.class.getName(), true, pool, names.get(i),
                    db.jdbcUrl(), user, password, args);
            everyProcess.add(p);
            return p;
        }

        void awaitReady(int i) {
            FrontendProcess p = processes.get(i);
            p.awaitLine(l -> l.startsWith("frontend " + p.name() + " listening on 127.0.0.1:" + ports.get(i)), STARTUP);
            FrontendProcess.awaitHealthy(ports.get(i), STARTUP);
        }

        /**
         * Every front-end is ready but the one started again after the last trial, unless it is to
         * hold the next batch: that one may start while the next batch runs (its peers push to the
         * next replica of the ranking meanwhile), so the restart costs a trial nothing; it is ready
         * before the trial after, whose holder needs it as a replica.
         */
        void awaitPool(int holder) {
            for (int i = 0; i < FRONTENDS; i++) {
                if (i != restarting || i == holder) {
                    awaitReady(i);
                }
            }
            if (restarting == holder) {
                restarting = -1;
            }
        }

        /** New connections of the proxy go to front-end {@code i} first. */
        void serveFirst(int i) {
            List<InetSocketAddress> order = new ArrayList<>();
            for (int k = 0; k < FRONTENDS; k++) {
                order.add(new InetSocketAddress("127.0.0.1", ports.get((i + k) % FRONTENDS)));
            }
            proxy.updatePool(order);
        }

        /** Everything the processes of this trial printed, for a failure message. */
        String outputs(FrontendProcess signalled) {
            StringBuilder b = new StringBuilder();
            for (FrontendProcess p : Stream.concat(Stream.of(signalled), processes.stream()).distinct().toList()) {
                b.append("\n---- output of ").append(p.name()).append(p == signalled ? " (the signalled one)" : "")
                        .append('\n').append(p.output());
            }
            return b.toString();
        }
    }

    @AfterEach
    void stopEverything() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (FrontendProcess p : everyProcess) {
            kill(p, "CONT");   // a stopped one cannot exit
            p.stop();
        }
        clients.shutdownNow();
    }

    @Test
    void aBatchSurvivesSigkillOrSigstopOfTheServingFrontEndAtRandomPoints(TestDatabase db, @TempDir Path dir)
            throws Exception {
        long seed = Long.getLong("mtcp.frontendKill.seed", System.nanoTime());
        System.out.println("FrontendKillTest: seed " + seed + " (replay: -Dmtcp.frontendKill.seed=" + seed + "), "
                + SIGKILL_TRIALS + " SIGKILL trials, " + SIGSTOP_TRIALS + " SIGSTOP trials");
        Random random = new Random(seed);
        Cluster cluster = new Cluster(db, dir);
        long t0 = System.nanoTime();
        for (int trial = 0; trial < SIGKILL_TRIALS; trial++) {
            KillAt where = switch (trial % 10) {
                case 0, 3, 6 -> new KillAt(null, 1 + random.nextInt(TRANSFERS));
                case 1, 4 -> new KillAt(Hooks.Point.BEFORE_COMMIT, 1 + random.nextInt(TRANSFERS));
                case 2, 5 -> new KillAt(Hooks.Point.AFTER_COMMIT, 1 + random.nextInt(TRANSFERS));
                case 7 -> new KillAt(Hooks.Point.BEFORE_SNAPSHOT, 1 + random.nextInt(TRANSFERS));
                case 8 -> new KillAt(Hooks.Point.AFTER_LINE, 1 + random.nextInt(TRANSFERS));
                default -> new KillAt(Hooks.Point.BEFORE_SUMMARY, TRANSFERS + 1);
            };
            // each front-end in turn: never the one started again just before
            runTrial(cluster, "seed " + seed + " SIGKILL trial " + trial, "kill-t" + trial, trial % FRONTENDS, where,
                    false, random);
        }
        long t1 = System.nanoTime();
        for (int trial = 0; trial < SIGSTOP_TRIALS; trial++) {
            KillAt where = switch (trial % 3) {
                case 0 -> new KillAt(null, 1 + random.nextInt(TRANSFERS));
                case 1 -> new KillAt(Hooks.Point.BEFORE_COMMIT, 1 + random.nextInt(TRANSFERS));
                default -> new KillAt(Hooks.Point.AFTER_COMMIT, 1 + random.nextInt(TRANSFERS));
            };
            // Each member in turn: a server that waited in vain for a stopped peer skips it as a
            // replica for a while; stopping each in turn once left the third holder with both peers
            // skipped, no replica, and its batch lost when it was stopped in turn (seed
            // 30365090510658, trial 2). Now a push short of replicas probes the skipped ones
            // (ReplicatedStateTransfer), and this rotation checks it.
            int holder = trial % FRONTENDS;
            runTrial(cluster, "seed " + seed + " SIGSTOP trial " + trial, "stop-t" + trial, holder, where, true, random);
        }
        System.out.printf("FrontendKillTest: %d SIGKILL trials in %.1f s, %d SIGSTOP trials in %.1f s%n", SIGKILL_TRIALS,
                (t1 - t0) / 1e9, SIGSTOP_TRIALS, (System.nanoTime() - t1) / 1e9);
    }

    /**
     * One batch through the proxy, its holder (front-end {@code holder}, first in the proxy's
     * order) signalled at {@code where}; then the checks, and the signalled process started again.
     */
    void runTrial(Cluster cluster, String label, String name, int holder, KillAt where, boolean stop, Random random)
            throws Exception {
        FrontendProcess target = cluster.processes.get(holder);
        String batch = "fk-" + name;
        String context = label + ": " + (stop ? "SIGSTOP" : "SIGKILL") + " of " + target.name() + " " + where
                + " (batch " + batch + ")";
        List<Transfer> transfers = BankTestData.transfers(random, TRANSFERS, ACCOUNTS);
        int connection = ++cluster.connections;
        int eventsBefore = proxyEvents.size();
        long t0 = System.nanoTime();
        try {
            int restarting = cluster.restarting;
            cluster.awaitPool(holder);
            cluster.restarting = -1;
            if (restarting >= 0 && restarting != holder) {
                context += "; " + cluster.names.get(restarting) + " is starting again meanwhile";
            }
            cluster.serveFirst(holder);
            if (where.point() != null) {
                target.tell("arm " + batch + " " + where.point() + " " + where.seq());
                target.awaitLine(l -> l.startsWith("ARMED ") && l.contains("batch=" + batch + " "), Duration.ofSeconds(30));
            }
            HttpExchange.Response response;
            try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
                socket.setSoTimeout(120_000);
                InputStream in = new BufferedInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                IntConsumer onLine = where.point() != null ? null : index -> {
                    if (index == where.seq() - 1) {
                        signal(target, stop);
                    }
                };
                CompletableFuture<HttpExchange.Response> exchange = CompletableFuture.supplyAsync(() -> {
                    try {
                        return HttpExchange.exchange(in, out, HttpExchange.post("/v1/batches", body(batch, transfers)), onLine);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, clients);
                if (where.point() != null) {
                    target.awaitLine(l -> l.startsWith("HOOK " + where.point() + " batch=" + batch + " "),
                            Duration.ofSeconds(60));
                    signal(target, stop);
                }
                response = exchange.get(120, TimeUnit.SECONDS);
            }
            posted.add(new RollingRestartTest.Posted(batch, transfers, response, null));
            long completed = System.nanoTime();

            // The proxy's view: the connection opened on the signalled one, and (when the holder was
            // held at an engine point, so that the batch could not finish there) moved on.
            String open = awaitProxyEvent(OPEN, connection);
            assertThat(open).as("the proxy connected to the front-end chosen as holder").endsWith("server=" + target.name());
            String close = awaitProxyEvent(CLOSE, connection);
            Matcher servers = CLOSE.matcher(close);
            assertThat(servers.find()).isTrue();
            if (where.point() != null) {
                assertThat(servers.group(2)).as("the batch resumed on another front-end").contains(",");
            }

            String afterCont = "";
            int said = target.output().length();
            if (stop) {
                // The old holder comes back: continued, let go on from its engine point, then drained.
                kill(target, "CONT");
                if (where.point() != null) {
                    target.tell("release");
                }
                // it runs again (answers its health check, which asks its database) before its drain
                FrontendProcess.awaitHealthy(cluster.ports.get(holder), STARTUP);
                target.process().destroy();
            }
            assertThat(target.process().waitFor(60, TimeUnit.SECONDS)).as(target.name() + " exits").isTrue();
            if (stop) {
                afterCont = "; what " + target.name() + " said once continued: " + target.output().substring(said).lines()
                        .filter(l -> !l.contains("DEBUG")).map(String::strip).collect(java.util.stream.Collectors.joining(" | "));
            }
            // its database sessions are over: whatever it committed is in the database now
            awaitNoSessionsOf(cluster.ds, target.name());
            FrontendProcess restarted = cluster.start(holder, true);
            cluster.processes.set(holder, restarted);
            cluster.restarting = holder;

            RollingRestartTest.assertEveryOutcomeExactlyOnce(cluster.ds, posted, TRANSFERS);
            BankTestData.assertMoneyIsConserved(cluster.ds, ACCOUNTS, INITIAL);

            System.out.printf("%s: complete via %s in %d ms, checked %d ms later%s%n", context, servers.group(2),
                    (completed - t0) / 1_000_000, (System.nanoTime() - completed) / 1_000_000, afterCont);
        } catch (Throwable e) {
            throw new AssertionError(context + " failed: " + e + "\n---- proxy events of this trial:\n"
                    + String.join("\n", proxyEvents.subList(Math.min(eventsBefore, proxyEvents.size()), proxyEvents.size()))
                    + cluster.outputs(target), e);
        }
    }

    /** SIGKILL ({@link Process#destroyForcibly}) or SIGSTOP of {@code p}. */
    static void signal(FrontendProcess p, boolean stop) {
        if (stop) {
            kill(p, "STOP");
        } else {
            p.process().destroyForcibly();
        }
    }

    /** The proxy's event line matching {@code pattern} for its connection #{@code n}. */
    String awaitProxyEvent(Pattern pattern, int n) {
        await("the proxy's line " + pattern + " for connection #" + n).atMost(Duration.ofSeconds(60))
                .until(() -> findProxyEvent(pattern, n) != null);
        return findProxyEvent(pattern, n);
    }

    String findProxyEvent(Pattern pattern, int n) {
        for (String line : proxyEvents) {
            Matcher m = pattern.matcher(line);
            if (m.find() && Integer.parseInt(m.group(1)) == n) {
                return line;
            }
        }
        return null;
    }

    /** Waits until PostgreSQL has no session of front-end {@code name} (its pool names them). */
    static void awaitNoSessionsOf(DataSource ds, String name) {
        await(name + "'s database sessions end").atMost(Duration.ofSeconds(60)).until(() -> {
            try (Connection c = ds.getConnection(); PreparedStatement st = c.prepareStatement(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE ?")) {
                st.setString(1, "mtcp-frontend-" + name + "%");
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) == 0;
                }
            }
        });
    }

    /** {@code kill -SIG pid}: a real signal, as an operator (or a hung machine) would deliver it. */
    static void kill(FrontendProcess p, String sig) {
        if (!p.process().isAlive()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(p.process().pid()))
                    .redirectErrorStream(true).start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -" + sig + " returns").isTrue();
            String said = new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(kill.exitValue()).as("kill -" + sig + ": " + said).isZero();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
