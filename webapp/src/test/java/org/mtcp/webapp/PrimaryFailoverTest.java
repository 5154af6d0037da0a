package org.mtcp.webapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mtcp.webapp.BankTestData.body;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
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
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntConsumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.ClientOptions;
import org.mtcp.frontend.engine.Hooks;
import org.mtcp.frontend.testing.FrontendProcess;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;
import org.mtcp.testkit.FreePorts;
import org.mtcp.testkit.pg.PrimaryAndStandby;
import org.mtcp.testkit.pg.PrimaryAndStandby.Replication;
import org.mtcp.webapp.BankTestData.Transfer;

/**
 * Issue 15, the database primary dies under a running batch: a real Debian PostgreSQL 15 primary
 * with a synchronous streaming standby ({@link PrimaryAndStandby}), two {@code mtcp frontend}
 * processes ({@link HookedFrontend}, replicated state transfer) whose {@code --db} is the pair's
 * multi-host URL ({@code jdbc:postgresql://a,b/bank?targetServerType=primary}) with
 * {@code --db-failover-wait}, the client-side proxy, and per trial one 200-transfer batch posted
 * through the proxy by a plain socket client. The primary is crashed ({@code pg_ctl stop -m
 * immediate}) at a seeded random point: when the client has read line k, or with transaction k
 * held at an exact engine point: between its snapshot and COMMIT, with its COMMIT in flight (sent,
 * waiting for the synchronous standby, which was stopped first so that the commit record never
 * reaches it), or after COMMIT before its line. Once a front-end has noticed the loss (it logs
 * "the database is unreachable") and a seeded detection delay (0 to 2 s) has passed, the standby
 * is promoted, as a failover manager would.
 *
 * <p>Checks after every trial, on the new primary, over every batch posted so far: every outcome
 * line exactly once and in order, then a complete summary; each line is byte for byte the recorded
 * outcome; {@code bank.transfers} has one row per committed line and nothing else; money is
 * conserved; the transaction held at the crash is reported from the old primary's timeline when it
 * had committed there (after COMMIT), and ran again on the new one's otherwise. Then the old primary is rewound into the new one's synchronous standby
 * ({@code pg_rewind}), so that the next trial kills the other node (faster than a fresh pair).
 *
 * <p>Printed per trial, not asserted (timing goals are for benchmarks): the client-visible gap
 * (the longest wait for a line after the crash) and the promotion time (crash to the new primary
 * accepting writes), which issue 15 wants within 1 s of each other.
 *
 * <p>The bad case: the standby is never promoted. The client gets the batch's
 * {@code database_unavailable} error line and summary once the failover wait is over, nothing is
 * half-done, and the batch re-posted after the promotion completes, every transfer once.
 * The other bad cases: the old primary coming back un-rewound and accepting writes, first in the
 * URL, while the batch runs on the new one, then left alone; a primary that stops answering
 * (frozen) with a COMMIT on its way; a primary turned read-only (a switchover); an asynchronous
 * standby that lost lines already sent. Each says what it checks. {@code -Dmtcp.primaryFailover.seed=S} replays a run, {@code -Dmtcp.primaryFailover.trials=N}
 * changes the number of trials (10).
 */
class PrimaryFailoverTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String DB = "bank";
    static final int FRONTENDS = 2;
    static final int TRANSFERS = 200;
    static final int ACCOUNTS = 100;
    static final long INITIAL = 10_000;
    static final int TRIALS = Integer.getInteger("mtcp.primaryFailover.trials", 10);
    /**
     * The front-ends' --db-failover-wait: well above a promotion here, so that each trial rides
     * through ({@code -Dmtcp.primaryFailover.waitSeconds=0} shows what a front-end without it does).
     */
    static final Duration FAILOVER_WAIT = Duration.ofSeconds(Long.getLong("mtcp.primaryFailover.waitSeconds", 6));
    static final Duration STARTUP = Duration.ofSeconds(90);
    /** The failover manager's decision, after a front-end noticed the loss: 0 to this, seeded. */
    static final Duration MAX_DETECTION = Duration.ofSeconds(2);
    static final String OUTAGE_LINE = "the database is unreachable";

    /** Where the primary dies. */
    enum Kill {
        /** When the client has read line seq - 1. */
        AFTER_LINE_READ,
        /** Transaction seq held between its snapshot and COMMIT. */
        BEFORE_COMMIT,
        /** Transaction seq's COMMIT sent and waiting for the (stopped) synchronous standby. */
        COMMIT_IN_FLIGHT,
        /** Transaction seq committed (on the standby's disk too), its line not written. */
        AFTER_COMMIT
    }

    final List<FrontendProcess> everyProcess = new CopyOnWriteArrayList<>();
    final List<String> proxyEvents = new CopyOnWriteArrayList<>();
    final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    PrimaryAndStandby pair;
    MigratoryProxy proxy;
    final List<RollingRestartTest.Posted> posted = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (FrontendProcess p : everyProcess) {
            p.stop();
        }
        clients.shutdownNow();
        if (pair != null) {
            pair.close();
        }
    }

    /** The pair with the bank's database, the front-ends on its multi-host URL, and the proxy. */
    final class Setup {
        final List<FrontendProcess> processes = new ArrayList<>();
        final List<Integer> ports = new ArrayList<>();

        Setup(Path dir) throws Exception {
            this(dir, "");
        }

        /** {@code urlParameters}: appended to the front-ends' {@code --db} URL ({@code &name=value...}). */
        Setup(Path dir, String urlParameters) throws Exception {
            this(dir, urlParameters, Replication.SYNCHRONOUS);
        }

        Setup(Path dir, String urlParameters, Replication replication) throws Exception {
            long t0 = System.nanoTime();
            pair = PrimaryAndStandby.start(replication);
            pair.requireExtensionInstalled("mtcp");
            pair.createDatabase(DB);
            try (Connection c = pair.primary().connect(DB); Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION mtcp");
            }
            StringBuilder poolFile = new StringBuilder(
                    "secret hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
            for (int i = 1; i <= FRONTENDS; i++) {
                ports.add(FreePorts.reserve());
                poolFile.append("server fe").append(i).append(" 127.0.0.1:").append(ports.getLast())
                        .append(" 127.0.0.1:").append(FreePorts.reserve()).append('\n');
            }
            Path pool = Files.writeString(dir.resolve("pool.conf"), poolFile);
            for (int i = 0; i < FRONTENDS; i++) {
                // the first one migrates the schemas, the others only check them
                List<String> args = new ArrayList<>(List.of("--state-transfer", "replicated", "--reconnect-timeout", "1s",
                        "--drain-timeout", "3s", "--db-failover-wait", FAILOVER_WAIT.toSeconds() + "s"));
                if (i > 0) {
                    args.add("--no-migrate");
                }
                FrontendProcess p = FrontendProcess.start(HookedFrontend.class.getName(), true, pool, "fe" + (i + 1),
                        pair.multiHostUrl(DB) + urlParameters, "postgres", "", args);
                everyProcess.add(p);
                processes.add(p);
                awaitReady(i);
            }
            RollingRestartTest.openAccounts(onPrimary(), ACCOUNTS, INITIAL);
            List<InetSocketAddress> addresses = ports.stream().map(p -> new InetSocketAddress("127.0.0.1", p)).toList();
            proxy = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0),
                    new ProxySettings(addresses, ClientOptions.defaults(), 16 * 1024, 64, Duration.ZERO),
                    EventLog.to(text -> proxyEvents.add(Instant.now() + " " + text)));
            proxy.serveInBackground();
            System.out.printf("PrimaryFailoverTest: pair, database and %d front-ends ready in %d ms%n", FRONTENDS,
                    (System.nanoTime() - t0) / 1_000_000);
        }

        void awaitReady(int i) {
            FrontendProcess p = processes.get(i);
            p.awaitLine(l -> l.startsWith("frontend " + p.name() + " listening on 127.0.0.1:" + ports.get(i)), STARTUP);
            FrontendProcess.awaitHealthy(ports.get(i), STARTUP);
        }

        /** New connections of the proxy go to front-end {@code i} first. */
        void serveFirst(int i) {
            List<InetSocketAddress> order = new ArrayList<>();
            for (int k = 0; k < FRONTENDS; k++) {
                order.add(new InetSocketAddress("127.0.0.1", ports.get((i + k) % FRONTENDS)));
            }
            proxy.updatePool(order);
        }

        /** How often the front-ends have logged the loss of their database so far. */
        int outagesLogged() {
            return processes.stream().mapToInt(p -> (int) p.output().lines().filter(l -> l.contains(OUTAGE_LINE)).count())
                    .sum();
        }

        String outputs() {
            StringBuilder b = new StringBuilder();
            for (FrontendProcess p : processes) {
                b.append("\n---- output of ").append(p.name()).append('\n').append(p.output());
            }
            b.append("\n---- server log of ").append(pair.primary()).append(pair.primary().logTail());
            return b.toString();
        }
    }

    /** The current primary alone (not the multi-host URL): the checks read what survived the failover. */
    DataSource onPrimary() {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(pair.primary().url(DB));
        return ds;
    }

    @Test
    void aBatchRidesThroughTheCrashOfThePrimaryAndThePromotionOfItsStandby(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("mtcp.primaryFailover.seed", System.nanoTime());
        System.out.println("PrimaryFailoverTest: seed " + seed + " (replay: -Dmtcp.primaryFailover.seed=" + seed + "), "
                + TRIALS + " trials");
        Random random = new Random(seed);
        Setup setup = new Setup(dir);
        long t0 = System.nanoTime();
        List<String> timings = new ArrayList<>();
        for (int trial = 0; trial < TRIALS; trial++) {
            Kill kill = Kill.values()[trial % Kill.values().length];
            int seq = 2 + random.nextInt(TRANSFERS - 1);
            Duration detection = Duration.ofMillis(random.nextInt((int) MAX_DETECTION.toMillis() + 1));
            timings.add(runTrial(setup, "seed " + seed + " trial " + trial, "pf-t" + trial, trial % FRONTENDS, kill, seq,
                    detection, random));
        }
        System.out.printf("PrimaryFailoverTest: %d trials in %.1f s%n", TRIALS, (System.nanoTime() - t0) / 1e9);
        timings.forEach(t -> System.out.println("PrimaryFailoverTest: " + t));
    }

    /**
     * One batch through the proxy, held first by front-end {@code holder}; the primary crashed at
     * {@code kill} of transaction {@code seq}, the standby promoted once a front-end noticed; the
     * checks on the new primary, then the old primary rejoins as its standby. Returns the timings.
     */
    String runTrial(Setup setup, String label, String name, int holder, Kill kill, int seq, Duration detection,
            Random random) throws Exception {
        FrontendProcess target = setup.processes.get(holder);
        PrimaryAndStandby.Node dying = pair.primary();
        String batch = "pf-" + name;
        String context = label + ": " + dying + " crashed " + kill + " of transaction " + seq + " (batch " + batch
                + ", held first by " + target.name() + ", promoted " + detection.toMillis() + " ms after a front-end noticed)";
        List<Transfer> transfers = BankTestData.transfers(random, TRANSFERS, ACCOUNTS);
        int eventsBefore = proxyEvents.size();
        try {
            for (int i = 0; i < FRONTENDS; i++) {
                FrontendProcess.awaitHealthy(setup.ports.get(i), STARTUP);   // their databases' gates are up again
            }
            setup.serveFirst(holder);
            Hooks.Point point = switch (kill) {
                case AFTER_LINE_READ -> null;
                case BEFORE_COMMIT, COMMIT_IN_FLIGHT -> Hooks.Point.BEFORE_COMMIT;
                case AFTER_COMMIT -> Hooks.Point.AFTER_COMMIT;
            };
            if (point != null) {
                target.tell("arm " + batch + " " + point + " " + seq);
                target.awaitLine(l -> l.startsWith("ARMED ") && l.contains("batch=" + batch + " "), Duration.ofSeconds(30));
            }
            int outagesBefore = setup.outagesLogged();
            AtomicLongArray lineAt = new AtomicLongArray(TRANSFERS + 2);
            CompletableFuture<Void> lineRead = new CompletableFuture<>();
            HttpExchange.Response response;
            long killedAt;
            long promotionStarted;
            long promoted;
            long started = System.nanoTime();
            try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
                socket.setSoTimeout(120_000);
                InputStream in = new BufferedInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                IntConsumer onLine = index -> {
                    lineAt.set(index, System.nanoTime());
                    if (index == seq - 2) {
                        lineRead.complete(null);
                    }
                };
                CompletableFuture<HttpExchange.Response> exchange = CompletableFuture.supplyAsync(() -> {
                    try {
                        return HttpExchange.exchange(in, out, HttpExchange.post("/v1/batches", body(batch, transfers)), onLine);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, clients);
                if (point == null) {
                    lineRead.get(60, TimeUnit.SECONDS);
                    killedAt = System.nanoTime();
                    pair.killPrimary();
                } else {
                    target.awaitLine(l -> l.startsWith("HOOK " + point + " batch=" + batch + " "), Duration.ofSeconds(60));
                    if (kill == Kill.COMMIT_IN_FLIGHT) {
                        // The commit record can't reach the standby: COMMIT waits for it (SyncRep) until the crash.
                        pair.stopStandby();
                        target.tell("release");
                        awaitCommitWaitingForTheStandby(dying);
                        killedAt = System.nanoTime();
                        pair.killPrimary();
                        pair.startStandby();
                    } else {
                        killedAt = System.nanoTime();
                        pair.killPrimary();
                        target.tell("release");
                    }
                }
                // The failover manager promotes once the loss is plain: here, once a front-end noticed it
                // (so that the front-ends wait for the new primary), or the batch needed no database any more.
                await("a front-end notices the loss of the primary").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> setup.outagesLogged() > outagesBefore || exchange.isDone());
                // Then it takes its own time to decide (Patroni: up to its ttl): a seeded detection delay,
                // the scenario's parameter (not a wait for a condition), so that the front-ends wait for
                // the promotion longer than a move to another front-end takes.
                Thread.sleep(detection.toMillis());
                promotionStarted = System.nanoTime();
                pair.promoteStandby();
                promoted = System.nanoTime();
                response = exchange.get(120, TimeUnit.SECONDS);
            }
            long completed = System.nanoTime();
            posted.add(new RollingRestartTest.Posted(batch, transfers, response, null));

            DataSource newPrimary = onPrimary();
            RollingRestartTest.assertEveryOutcomeExactlyOnce(newPrimary, posted, TRANSFERS);
            BankTestData.assertMoneyIsConserved(newPrimary, ACCOUNTS, INITIAL);
            assertThat(pair.primary()).as("the checks ran on the promoted standby").isNotSameAs(dying);
            if (point != null) {
                // The transaction held at the crash has its definite outcome: committed before the crash
                // (on the standby's disk too), it is reported as the old primary's; never committed
                // there, it ran again on the new primary's timeline.
                long before = timeline(response.lines().getFirst());
                assertThat(timeline(response.lines().get(seq - 1))).as("the timeline of transaction %d's line", seq)
                        .isEqualTo(kill == Kill.AFTER_COMMIT ? before : before + 1);
            }

            long gap = longestWaitForALine(lineAt, response.lines().size(), killedAt);
            long rejoinStarted = System.nanoTime();
            pair.rejoinOldPrimaryAsStandby();
            long rejoined = System.nanoTime();
            String timing = String.format("%s %s seq %d, detection %d ms: gap %d ms, promotion %d ms (pg_ctl promote %d ms),"
                    + " gap - promotion %d ms; batch %d ms, rejoin %d ms", label, kill, seq, detection.toMillis(),
                    gap / 1_000_000, (promoted - killedAt) / 1_000_000,
                    (promoted - promotionStarted) / 1_000_000, (gap - (promoted - killedAt)) / 1_000_000,
                    (completed - started) / 1_000_000, (rejoined - rejoinStarted) / 1_000_000);
            System.out.println(context + ": complete; " + timing);
            return timing;
        } catch (Throwable e) {
            throw new AssertionError(context + " failed: " + e + "\n---- proxy events of this trial:\n"
                    + String.join("\n", proxyEvents.subList(Math.min(eventsBefore, proxyEvents.size()), proxyEvents.size()))
                    + setup.outputs(), e);
        }
    }

    /** The timeline of the transaction that a line reports ({@code "tid":"timeline:xid"}). */
    static long timeline(String line) throws IOException {
        String tid = JSON.readTree(line).path("tid").asText();
        assertThat(tid).as("the tid of " + line).matches("\\d+:\\d+");
        return Long.parseLong(tid.substring(0, tid.indexOf(':')));
    }

    /**
     * The client-visible gap: the longest the client waited for its next line (or the summary)
     * after {@code killedAt}, counted from the crash for the first line after it.
     */
    static long longestWaitForALine(AtomicLongArray lineAt, int lines, long killedAt) {
        long longest = 0;
        long previous = killedAt;
        for (int i = 0; i < lines; i++) {
            long t = lineAt.get(i);
            if (t > killedAt) {
                longest = Math.max(longest, t - previous);
                previous = t;
            }
        }
        return longest;
    }

    /** Waits until a front-end's COMMIT waits on {@code primary} for its synchronous standby. */
    static void awaitCommitWaitingForTheStandby(PrimaryAndStandby.Node primary) {
        await("a COMMIT waiting for the synchronous standby").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20)).until(() -> {
                    try (Connection c = primary.connect("postgres"); Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'"
                                    + " AND application_name LIKE 'mtcp-frontend-%'")) {
                        rs.next();
                        return rs.getInt(1) > 0;
                    }
                });
    }

    /**
     * No primary within the failover wait (the standby is never promoted): the client gets the
     * batch's database_unavailable error line and summary, every line before it once and recorded;
     * nothing is half-done (each transfer there iff its outcome is recorded committed, money
     * conserved); promoted afterwards, the batch re-posted by its id completes, every transfer once.
     */
    @Test
    void withoutAPrimaryWithinTheFailoverWaitTheClientGetsTheErrorAndTheRepostedBatchCompletesOnce(@TempDir Path dir)
            throws Exception {
        Setup setup = new Setup(dir);
        setup.serveFirst(0);
        String batch = "pf-no-primary";
        List<Transfer> transfers = BankTestData.transfers(new Random(15), TRANSFERS, ACCOUNTS);
        int killAfter = 40;
        CompletableFuture<Void> lineRead = new CompletableFuture<>();
        HttpExchange.Response response;
        long killedAt;
        long answered;
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            CompletableFuture<HttpExchange.Response> exchange = CompletableFuture.supplyAsync(() -> {
                try {
                    return HttpExchange.exchange(in, out, HttpExchange.post("/v1/batches", body(batch, transfers)), index -> {
                        if (index == killAfter - 1) {
                            lineRead.complete(null);
                        }
                    });
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, clients);
            lineRead.get(60, TimeUnit.SECONDS);
            killedAt = System.nanoTime();
            pair.killPrimary();
            try {
                response = exchange.get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("no answer without a primary: " + e + "\n---- proxy events:\n"
                        + String.join("\n", proxyEvents) + setup.outputs(), e);
            }
            answered = System.nanoTime();
        }
        List<String> lines = response.lines();
        String context = "the response without a primary: " + lines.subList(Math.max(0, lines.size() - 3), lines.size())
                + setup.outputs();
        assertThat(response.status()).as(context).isEqualTo(200);
        assertThat(lines.size()).as(context).isGreaterThanOrEqualTo(killAfter + 2);
        JsonNode error = JSON.readTree(lines.get(lines.size() - 2));
        JsonNode summary = JSON.readTree(lines.getLast());
        int stoppedAt = lines.size() - 1;   // the transactions' lines are 1 .. stoppedAt - 1
        assertThat(error.path("error").path("code").asText()).as(context).isEqualTo("database_unavailable");
        assertThat(error.path("seq").asInt()).as(context).isEqualTo(stoppedAt);
        assertThat(summary.path("status").asText()).as(context).isEqualTo("database_unavailable");
        assertThat(summary.path("next").asInt()).as(context).isEqualTo(stoppedAt);
        System.out.printf("PrimaryFailoverTest: no primary: the client got database_unavailable at seq %d %d ms after the crash"
                + " (failover wait %d s)%n", stoppedAt, (answered - killedAt) / 1_000_000, FAILOVER_WAIT.toSeconds());

        pair.promoteStandby();
        DataSource newPrimary = onPrimary();
        assertNothingHalfDone(newPrimary, batch, transfers, lines.subList(0, stoppedAt - 1));
        BankTestData.assertMoneyIsConserved(newPrimary, ACCOUNTS, INITIAL);

        // After the wait the front-ends answer 503 at once, probing the database once per --db-timeout:
        // the client re-posts once they answer their health check again (as a load balancer would see).
        for (int port : setup.ports) {
            FrontendProcess.awaitHealthy(port, STARTUP);
        }
        HttpExchange.Response reposted;
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(120_000);
            reposted = HttpExchange.exchange(new BufferedInputStream(socket.getInputStream()), socket.getOutputStream(),
                    HttpExchange.post("/v1/batches", body(batch, transfers)), null);
        }
        RollingRestartTest.assertEveryOutcomeExactlyOnce(newPrimary,
                List.of(new RollingRestartTest.Posted(batch, transfers, reposted, null)), TRANSFERS);
        BankTestData.assertMoneyIsConserved(newPrimary, ACCOUNTS, INITIAL);
        assertThat(reposted.lines().subList(0, stoppedAt - 1)).as("the re-post repeats the lines sent before the error")
                .isEqualTo(lines.subList(0, stoppedAt - 1));
    }

    /** What a front-end logs when it refuses a primary of an older timeline (FailoverDataSource). */
    static final String OLD_PRIMARY_LINE = "an old primary";

    /**
     * The old primary comes back, un-rewound and accepting writes, first in the front-ends'
     * multi-host URL (what a careless deployment does): it must get nothing of a batch that moved
     * on to the promoted standby.
     *
     * <p>Transaction k's COMMIT is in flight when the primary crashes, with the synchronous standby
     * stopped, so it commits on the old primary's timeline alone; the standby is promoted and the
     * batch goes on. Then, with transaction k + 30 held before its COMMIT, the old primary starts
     * again on its own (timeline 1, transaction k committed there) and the front-ends' sessions on
     * the new primary are cut (a network blip: the held COMMIT fails, the pools reconnect, and
     * pgjdbc finds the old primary first). The batch completes on the
     * new primary: every line once, equal to its record, money conserved, transaction k run again
     * on the new timeline; the old primary has nothing of the batch after transaction k. Then the
     * new primary dies too, leaving only the old one: the next batch ends {@code database_unavailable}
     * after the failover wait, and the old primary has nothing of it.
     */
    @Test
    void anOldPrimaryThatComesBackAcceptingWritesGetsNothingOfTheBatchesThatMovedOn(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("mtcp.primaryFailover.seed", System.nanoTime());
        System.out.println("PrimaryFailoverTest: old primary, seed " + seed);
        Random random = new Random(seed);
        // pgjdbc skips a host it could not reach for hostRecheckSeconds (10 s): with 0 the front-ends try
        // the returning old primary at once, as they would 10 s later by default.
        Setup setup = new Setup(dir, "&hostRecheckSeconds=0");
        PrimaryAndStandby.Node old = pair.primary();
        FrontendProcess holder = setup.processes.get(0);
        int seq = 20 + random.nextInt(80);
        int back = seq + 30;   // held before its COMMIT while the old primary is started again
        String batch = "pf-old-primary";
        List<Transfer> transfers = BankTestData.transfers(random, TRANSFERS, ACCOUNTS);
        String context = "seed " + seed + ": transaction " + seq + " committed on " + old + " alone, which is back at transaction "
                + back;
        setup.serveFirst(0);
        holder.tell("arm " + batch + " " + Hooks.Point.BEFORE_COMMIT + " " + seq);
        holder.awaitLine(l -> l.startsWith("ARMED ") && l.contains("batch=" + batch + " "), Duration.ofSeconds(30));
        int outagesBefore = setup.outagesLogged();
        HttpExchange.Response response;
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            CompletableFuture<HttpExchange.Response> exchange = CompletableFuture.supplyAsync(() -> {
                try {
                    return HttpExchange.exchange(in, out, HttpExchange.post("/v1/batches", body(batch, transfers)), null);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, clients);
            try {
                holder.awaitLine(l -> l.startsWith("HOOK BEFORE_COMMIT batch=" + batch + " "), Duration.ofSeconds(60));
                pair.stopStandby();
                holder.tell("release");
                awaitCommitWaitingForTheStandby(old);
                pair.killPrimary();
                pair.startStandby();
                // the batch waits for the new primary: it cannot reach transaction `back` before the promotion
                holder.tell("arm " + batch + " " + Hooks.Point.BEFORE_COMMIT + " " + back);
                holder.awaitLine(l -> l.startsWith("ARMED ") && l.contains("seq=" + back), Duration.ofSeconds(30));
                await("a front-end notices the loss of the primary").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20)).until(() -> setup.outagesLogged() > outagesBefore);
                pair.promoteStandby();
                holder.awaitLine(l -> l.startsWith("HOOK BEFORE_COMMIT batch=" + batch + " seq=" + back), Duration.ofSeconds(60));
                pair.startOldPrimaryAcceptingWrites();
                // the held transaction's session among them: its COMMIT fails, its outcome is asked for on a new connection
                assertThat(terminateFrontEndSessions(pair.primary())).as("front-end sessions cut on the new primary")
                        .isPositive();
                holder.tell("release");
                response = exchange.get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(context + ": " + e + "\n---- proxy events:\n" + String.join("\n", proxyEvents)
                        + setup.outputs(), e);
            }
        }
        posted.add(new RollingRestartTest.Posted(batch, transfers, response, null));
        DataSource newPrimary = onPrimary();
        RollingRestartTest.assertEveryOutcomeExactlyOnce(newPrimary, posted, TRANSFERS);
        BankTestData.assertMoneyIsConserved(newPrimary, ACCOUNTS, INITIAL);
        assertThat(timeline(response.lines().get(seq - 1))).as(context + ": transaction %d, committed on the old primary alone,"
                + " ran again on the new timeline", seq).isEqualTo(timeline(response.lines().getFirst()) + 1);
        DataSource oldPrimary = on(old);
        assertThat(highestSeqOf(oldPrimary, batch)).as(context + ": the old primary has the batch up to its crash, nothing after")
                .isEqualTo(seq);
        assertThat(setup.outputs()).as(context + ": the front-ends met the old primary and refused it")
                .contains(OLD_PRIMARY_LINE);
        setup.outputs().lines().filter(l -> l.contains(OLD_PRIMARY_LINE))
                .forEach(l -> System.out.println("PrimaryFailoverTest: front-end said: " + l));

        // The second front-end reaches the new primary too (it serves the next batch), then that one dies
        // as well: only the old primary is left, accepting writes.
        setup.serveFirst(1);
        String second = "pf-old-primary-second";
        List<Transfer> secondTransfers = BankTestData.transfers(random, TRANSFERS, ACCOUNTS);
        HttpExchange.Response secondResponse;
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(120_000);
            secondResponse = HttpExchange.exchange(new BufferedInputStream(socket.getInputStream()), socket.getOutputStream(),
                    HttpExchange.post("/v1/batches", body(second, secondTransfers)), null);
        }
        posted.add(new RollingRestartTest.Posted(second, secondTransfers, secondResponse, null));
        RollingRestartTest.assertEveryOutcomeExactlyOnce(newPrimary, posted, TRANSFERS);
        assertThat(highestSeqOf(oldPrimary, second)).as(context + ": nothing of the second batch on the old primary").isZero();
        setup.serveFirst(0);
        String last = "pf-only-the-old-primary";
        List<Transfer> lastTransfers = BankTestData.transfers(random, TRANSFERS, ACCOUNTS);
        int killAfter = 20;
        HttpExchange.Response lastResponse;
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            CompletableFuture<Void> lineRead = new CompletableFuture<>();
            CompletableFuture<HttpExchange.Response> exchange = CompletableFuture.supplyAsync(() -> {
                try {
                    return HttpExchange.exchange(in, out, HttpExchange.post("/v1/batches", body(last, lastTransfers)), index -> {
                        if (index == killAfter - 1) {
                            lineRead.complete(null);
                        }
                    });
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, clients);
            lineRead.get(60, TimeUnit.SECONDS);
            long killedAt = System.nanoTime();
            pair.kill(pair.primary());
            lastResponse = exchange.get(120, TimeUnit.SECONDS);
            System.out.printf("PrimaryFailoverTest: only the old primary: the client got the batch's end %d ms after the"
                    + " new primary's crash (failover wait %d s)%n", (System.nanoTime() - killedAt) / 1_000_000,
                    FAILOVER_WAIT.toSeconds());
        }
        List<String> lines = lastResponse.lines();
        String lastContext = context + "; then only the old primary: " + lines.subList(Math.max(0, lines.size() - 3), lines.size())
                + setup.outputs();
        assertThat(JSON.readTree(lines.get(lines.size() - 2)).path("error").path("code").asText()).as(lastContext)
                .isEqualTo("database_unavailable");
        assertThat(JSON.readTree(lines.getLast()).path("status").asText()).as(lastContext).isEqualTo("database_unavailable");
        assertThat(highestSeqOf(oldPrimary, last)).as(lastContext + ": nothing of the batch on the old primary").isZero();
        try (Connection c = oldPrimary.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT count(*) FROM frontend.batch WHERE id = ?")) {
            st.setString(1, last);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).as(lastContext + ": the batch is unknown to the old primary").isZero();
            }
        }
    }

    /**
     * A primary that vanishes silently (issue 15): frozen (SIGSTOP of the postmaster and its
     * backends, so its kernel still accepts and acknowledges, nothing answers) while transaction k's
     * COMMIT is on its way to it. The front-end's COMMIT is bounded by its commit timeout (the
     * failover wait): then it is a lost COMMIT, whose outcome the promoted standby gives (aborted:
     * the frozen backend never read it), and the batch goes on there; connection attempts to the
     * frozen host are bounded by the connect timeout. Every line once, money conserved, transaction
     * k run again on the new timeline. Timings printed, not asserted.
     */
    @Test
    void aPrimaryThatStopsAnsweringMidCommitIsLeftBehindAndTheBatchGoesOnOnTheNewPrimary(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("mtcp.primaryFailover.seed", System.nanoTime());
        System.out.println("PrimaryFailoverTest: frozen primary, seed " + seed);
        Random random = new Random(seed);
        Setup setup = new Setup(dir);
        PrimaryAndStandby.Node frozen = pair.primary();
        FrontendProcess holder = setup.processes.get(0);
        int seq = 20 + random.nextInt(150);
        String batch = "pf-frozen-primary";
        List<Transfer> transfers = BankTestData.transfers(random, TRANSFERS, ACCOUNTS);
        String context = "seed " + seed + ": " + frozen + " frozen with transaction " + seq + "'s COMMIT on its way";
        setup.serveFirst(0);
        holder.tell("arm " + batch + " " + Hooks.Point.BEFORE_COMMIT + " " + seq);
        holder.awaitLine(l -> l.startsWith("ARMED ") && l.contains("batch=" + batch + " "), Duration.ofSeconds(30));
        int outagesBefore = setup.outagesLogged();
        AtomicLongArray lineAt = new AtomicLongArray(TRANSFERS + 2);
        HttpExchange.Response response;
        long frozenAt;
        long noticed;
        long promoted;
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            CompletableFuture<HttpExchange.Response> exchange = CompletableFuture.supplyAsync(() -> {
                try {
                    return HttpExchange.exchange(in, out, HttpExchange.post("/v1/batches", body(batch, transfers)),
                            index -> lineAt.set(index, System.nanoTime()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, clients);
            try {
                holder.awaitLine(l -> l.startsWith("HOOK BEFORE_COMMIT batch=" + batch + " "), Duration.ofSeconds(60));
                frozenAt = System.nanoTime();
                pair.freeze(frozen);
                holder.tell("release");
                await("a front-end notices that the primary is gone").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(20)).until(() -> setup.outagesLogged() > outagesBefore);
                noticed = System.nanoTime();
                pair.promoteStandby();
                promoted = System.nanoTime();
                response = exchange.get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(context + ": " + e + "\n---- proxy events:\n" + String.join("\n", proxyEvents)
                        + setup.outputs(), e);
            }
            posted.add(new RollingRestartTest.Posted(batch, transfers, response, null));
            DataSource newPrimary = onPrimary();
            RollingRestartTest.assertEveryOutcomeExactlyOnce(newPrimary, posted, TRANSFERS);
            BankTestData.assertMoneyIsConserved(newPrimary, ACCOUNTS, INITIAL);
            assertThat(timeline(response.lines().get(seq - 1))).as(context + ": transaction %d, never committed on the frozen"
                    + " primary, ran again on the new timeline", seq).isEqualTo(timeline(response.lines().getFirst()) + 1);
            System.out.printf("PrimaryFailoverTest: frozen primary (commit timeout = failover wait %d s): noticed %d ms after"
                    + " the freeze, promoted %d ms after, gap %d ms%n", FAILOVER_WAIT.toSeconds(),
                    (noticed - frozenAt) / 1_000_000, (promoted - frozenAt) / 1_000_000,
                    longestWaitForALine(lineAt, response.lines().size(), frozenAt) / 1_000_000);
        } finally {
            pair.thaw(frozen);   // a frozen postmaster would ignore the stop that closes the pair
        }
    }

    /**
     * A switchover's first half (issue 15): the primary made read-only mid-batch
     * ({@code default_transaction_read_only}, as a demotion leaves it), then the standby promoted.
     * The front-end's next transaction there fails with 25006 (read-only), which it takes for a
     * lost connection to a server that is not the primary: it waits for the primary (pgjdbc's
     * {@code targetServerType=primary} skips a read-only server) and the batch goes on on the
     * promoted standby. Every line once, money conserved, every transaction after the switch on
     * the new timeline.
     */
    @Test
    void aPrimaryTurnedReadOnlyIsLeftForThePromotedStandby(@TempDir Path dir) throws Exception {
        Setup setup = new Setup(dir);
        PrimaryAndStandby.Node demoted = pair.primary();
        setup.serveFirst(0);
        String batch = "pf-read-only";
        List<Transfer> transfers = BankTestData.transfers(new Random(25006), TRANSFERS, ACCOUNTS);
        int switchAfter = 60;
        int outagesBefore = setup.outagesLogged();
        HttpExchange.Response response;
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            CompletableFuture<Void> lineRead = new CompletableFuture<>();
            CompletableFuture<HttpExchange.Response> exchange = CompletableFuture.supplyAsync(() -> {
                try {
                    return HttpExchange.exchange(in, out, HttpExchange.post("/v1/batches", body(batch, transfers)), index -> {
                        if (index == switchAfter - 1) {
                            lineRead.complete(null);
                        }
                    });
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, clients);
            try {
                lineRead.get(60, TimeUnit.SECONDS);
                try (Connection c = demoted.connect("postgres"); Statement st = c.createStatement()) {
                    st.execute("ALTER SYSTEM SET default_transaction_read_only = on");
                    st.execute("SELECT pg_reload_conf()");
                }
                await("a front-end notices that the primary is gone").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20)).until(() -> setup.outagesLogged() > outagesBefore);
                pair.promoteStandby();
                response = exchange.get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("read-only primary: " + e + "\n---- proxy events:\n" + String.join("\n", proxyEvents)
                        + setup.outputs(), e);
            }
        }
        posted.add(new RollingRestartTest.Posted(batch, transfers, response, null));
        DataSource newPrimary = onPrimary();
        RollingRestartTest.assertEveryOutcomeExactlyOnce(newPrimary, posted, TRANSFERS);
        BankTestData.assertMoneyIsConserved(newPrimary, ACCOUNTS, INITIAL);
        long before = timeline(response.lines().getFirst());
        assertThat(timeline(response.lines().get(TRANSFERS - 1))).as("the last transaction ran on the promoted standby")
                .isEqualTo(before + 1);
        assertThat(setup.outputs()).as("the front-end met the read-only server").contains("not the primary (25006");
    }

    /**
     * What an asynchronous standby does to a batch (issue 15, docs/database.md): the standby stops
     * receiving before transaction 41 commits (stopped: an asynchronous primary goes on alone, as it
     * does when its standby lags), the primary crashes with transaction 70 before its COMMIT, the
     * standby is promoted. The lines the
     * client got in between are lost with the old primary, transactions and records. The
     * front-end notices at its first transaction on the new timeline (the lines it sent must be
     * recorded there) and stops the batch with the error line naming the first lost seq, instead of
     * going on as if they held. Asserted: the error and summary, every line before them once and in
     * order, each line still recorded is the one sent, the lost ones form one run ending at the
     * error, each transfer there iff its line is recorded committed, money conserved.
     */
    @Test
    void withAnAsynchronousStandbyLinesLostAtThePromotionStopTheBatchWithAnError(@TempDir Path dir) throws Exception {
        Setup setup = new Setup(dir, "", Replication.ASYNCHRONOUS);
        setup.serveFirst(0);
        FrontendProcess holder = setup.processes.get(0);
        String batch = "pf-asynchronous";
        List<Transfer> transfers = BankTestData.transfers(new Random(16), TRANSFERS, ACCOUNTS);
        int standbyStopsBefore = 41;
        int crashBefore = 70;
        // Both points armed before the batch starts: the batch cannot outrun the test (a loaded
        // machine reads the response lines well behind the transactions).
        for (int seq : new int[] {standbyStopsBefore, crashBefore}) {
            holder.tell("arm " + batch + " " + Hooks.Point.BEFORE_COMMIT + " " + seq);
            holder.awaitLine(l -> l.startsWith("ARMED ") && l.contains("seq=" + seq), Duration.ofSeconds(30));
        }
        int outagesBefore = setup.outagesLogged();
        HttpExchange.Response response;
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            CompletableFuture<HttpExchange.Response> exchange = CompletableFuture.supplyAsync(() -> {
                try {
                    return HttpExchange.exchange(in, out, HttpExchange.post("/v1/batches", body(batch, transfers)), null);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, clients);
            try {
                holder.awaitLine(l -> l.startsWith("HOOK BEFORE_COMMIT batch=" + batch + " seq=" + standbyStopsBefore),
                        Duration.ofSeconds(60));
                pair.stopStandby();
                holder.tell("release");
                holder.awaitLine(l -> l.startsWith("HOOK BEFORE_COMMIT batch=" + batch + " seq=" + crashBefore),
                        Duration.ofSeconds(60));
                pair.killPrimary();
                pair.startStandby();
                holder.tell("release");
                await("a front-end notices the loss of the primary").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20)).until(() -> setup.outagesLogged() > outagesBefore);
                pair.promoteStandby();
                response = exchange.get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("asynchronous standby: " + e + "\n---- proxy events:\n" + String.join("\n", proxyEvents)
                        + setup.outputs(), e);
            }
        }
        List<String> lines = response.lines();
        String context = "asynchronous standby: " + lines.subList(Math.max(0, lines.size() - 3), lines.size()) + setup.outputs();
        assertThat(lines.size()).as(context).isGreaterThanOrEqualTo(standbyStopsBefore + 2);
        JsonNode error = JSON.readTree(lines.get(lines.size() - 2));
        int stoppedAt = lines.size() - 1;   // the transactions' lines are 1 .. stoppedAt - 1
        assertThat(error.path("error").path("code").asText()).as(context).isEqualTo("database_unavailable");
        assertThat(error.path("seq").asInt()).as(context).isEqualTo(stoppedAt);
        assertThat(JSON.readTree(lines.getLast()).path("status").asText()).as(context).isEqualTo("database_unavailable");
        for (int i = 0; i < stoppedAt - 1; i++) {
            assertThat(JSON.readTree(lines.get(i)).path("seq").asInt()).as("line %d in order", i + 1).isEqualTo(i + 1);
        }
        DataSource newPrimary = onPrimary();
        java.util.Map<Integer, String> recorded = new java.util.HashMap<>();
        java.util.Set<Integer> recordedCommitted = new java.util.HashSet<>();
        try (Connection c = newPrimary.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT seq, outcome, line FROM frontend.outcome WHERE batch = ?")) {
            st.setString(1, batch);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    recorded.put(rs.getInt(1), rs.getString(3));
                    if (rs.getString(2).equals("committed")) {
                        recordedCommitted.add(rs.getInt(1));
                    }
                }
            }
        }
        List<Integer> lost = new ArrayList<>();
        for (int i = 0; i < stoppedAt - 1; i++) {
            String line = recorded.get(i + 1);
            if (line == null) {
                lost.add(i + 1);
            } else {
                assertThat(lines.get(i)).as("line %d is its record on the new primary", i + 1).isEqualTo(line);
            }
        }
        assertThat(lost).as(context + ": lines lost with the old primary").isNotEmpty();
        assertThat(lost.getLast() - lost.getFirst() + 1).as("one run of lost lines").isEqualTo(lost.size());
        assertThat(lost.getLast()).as("the batch stopped right after the lost lines").isEqualTo(stoppedAt - 1);
        assertThat(error.path("error").path("message").asText()).as(context).contains("from seq " + lost.getFirst());
        assertThat(recorded.keySet()).as("nothing recorded after the stop").allMatch(seq -> seq < stoppedAt);
        java.util.Set<Integer> transferred = new java.util.HashSet<>();
        try (Connection c = newPrimary.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT seq FROM bank.transfers WHERE batch = ?")) {
            st.setString(1, batch);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    assertThat(transferred.add(rs.getInt(1))).as("transfer %d once", rs.getInt(1)).isTrue();
                }
            }
        }
        assertThat(transferred).as("the transfers on the new primary are the ones recorded committed there")
                .isEqualTo(recordedCommitted);
        BankTestData.assertMoneyIsConserved(newPrimary, ACCOUNTS, INITIAL);
        System.out.printf("PrimaryFailoverTest: asynchronous standby stopped before transaction %d, primary crashed before COMMIT %d:"
                + " %d line(s) sent were lost (seq %d..%d); the client got: %s%n", standbyStopsBefore, crashBefore, lost.size(),
                lost.getFirst(), lost.getLast(), lines.get(lines.size() - 2));
    }

    /** A data source of {@code node} alone. */
    static DataSource on(PrimaryAndStandby.Node node) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(node.url(DB));
        return ds;
    }

    /**
     * The highest seq of {@code batch} that {@code ds} has anything of (a transfer or an outcome
     * record); 0 for none.
     */
    static int highestSeqOf(DataSource ds, String batch) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement st = c.prepareStatement(
                "SELECT coalesce(max(seq), 0) FROM (SELECT seq FROM bank.transfers WHERE batch = ?"
                        + " UNION ALL SELECT seq FROM frontend.outcome WHERE batch = ?) s")) {
            st.setString(1, batch);
            st.setString(2, batch);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Terminates the front-ends' sessions on {@code node} (a network blip); returns how many. */
    static int terminateFrontEndSessions(PrimaryAndStandby.Node node) throws Exception {
        try (Connection c = node.connect("postgres"); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                        + " FROM pg_stat_activity WHERE application_name LIKE 'mtcp-frontend-%'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Each line sent is its recorded outcome; each transfer of the batch is in {@code bank.transfers}
     * exactly when its outcome is recorded committed (a transaction committed at the crash but
     * not reported yet is recorded, and the re-post reports it).
     */
    static void assertNothingHalfDone(DataSource ds, String batch, List<Transfer> transfers, List<String> sent)
            throws Exception {
        java.util.Map<Integer, String> recorded = new java.util.HashMap<>();
        java.util.Set<Integer> committed = new java.util.HashSet<>();
        try (Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT seq, outcome, line FROM frontend.outcome WHERE batch = ?")) {
            st.setString(1, batch);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    recorded.put(rs.getInt(1), rs.getString(3));
                    if (rs.getString(2).equals("committed")) {
                        committed.add(rs.getInt(1));
                    }
                }
            }
        }
        for (int i = 0; i < sent.size(); i++) {
            assertThat(sent.get(i)).as("line %d is its recorded outcome", i + 1).isEqualTo(recorded.get(i + 1));
        }
        java.util.Set<Integer> rows = new java.util.HashSet<>();
        try (Connection c = ds.getConnection(); PreparedStatement st = c.prepareStatement(
                "SELECT seq, from_account, to_account, amount FROM bank.transfers WHERE batch = ?")) {
            st.setString(1, batch);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    assertThat(rows.add(rs.getInt(1))).as("transfer %d once", rs.getInt(1)).isTrue();
                    assertThat(new Transfer(rs.getLong(2), rs.getLong(3), rs.getLong(4)))
                            .isEqualTo(transfers.get(rs.getInt(1) - 1));
                }
            }
        }
        assertThat(rows).as("the transfers made are the ones recorded committed").isEqualTo(committed);
    }
}
