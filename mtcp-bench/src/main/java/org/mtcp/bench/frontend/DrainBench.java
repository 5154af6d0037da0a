package org.mtcp.bench.frontend;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.mtcp.bench.BenchPool;
import org.mtcp.bench.Charts;
import org.mtcp.bench.Csv;
import org.mtcp.bench.Progress;
import org.mtcp.bench.Stats;
import org.mtcp.bench.Table;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.MtcpSocket;
import org.mtcp.core.ServerOptions;
import org.mtcp.frontend.FrontendConfig;
import org.mtcp.frontend.FrontendServer;
import org.mtcp.webapp.BankOperations;
import org.mtcp.webapp.SampleDatabase;

/**
 * How long a front-end takes to drain: {@code connections} live M-TCP connections on one
 * front-end of a pool of three in this JVM (loopback), {@code midBatch} of them in the middle of
 * a batch of bank transfers, the others idle on keep-alive after a {@code GET /healthz}; then
 * {@link FrontendServer#drain(Duration)}: every client is asked to move to one of the two peers.
 * The draining front-end writes each response line {@code lineDelay} late (its slow-down knob,
 * which waits after the COMMIT, holding no database connection), so that every batch is still
 * under way when the drain starts; the peers run at full speed (with {@code slowPeers}, at the
 * same pace: the batches they take over then cost little CPU during the drain, which separates
 * moving the connections from running the moved batches on this one machine).
 *
 * <p>Measured per run: the drain's own time ({@link FrontendServer.DrainReport#took()}: from the
 * start until nothing is held, then Jetty and the database pool stopped), the time until the
 * clients' last migration completed (their {@link MigrationEvent}s), the clients' migration times,
 * and whether every batch in flight still completed (status 200 and its summary). Each run
 * starts a fresh pool (a drained front-end has stopped); the first {@code warmup} runs are not
 * counted (a cold JVM: class loading, the JIT).
 */
public final class DrainBench {

    public record Params(String dbUrl, int connections, int midBatch, int batch, int runs, int warmup, int accounts,
            Duration lineDelay, boolean slowPeers, Duration timeout, Path out) {}

    /** One run. */
    public record Run(int run, int connections, int midBatch, int midBatchAtDrain, int held, long moved, int dropped,
            double drainMillis, double lastMoveMillis, double[] moveMicros, Map<String, Integer> movedTo,
            int batchesOk, int batchesFailed) {}

    public record Result(List<Run> runs, String database) {
        public Stats drainMillis() {
            return new Stats(runs.stream().mapToDouble(Run::drainMillis).toArray());
        }

        public Stats lastMoveMillis() {
            return new Stats(runs.stream().mapToDouble(Run::lastMoveMillis).toArray());
        }
    }

    private final Params p;
    private final Progress progress;

    public DrainBench(Params params, Progress progress) {
        this.p = params;
        this.progress = progress;
    }

    public Result run() throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "error");
        }
        try (SampleDatabase embedded = p.dbUrl() == null
                ? SampleDatabase.embedded(3 * (p.midBatch() + 4) + 30, false) : null) {
            String url = embedded == null ? p.dbUrl() : embedded.jdbcUrl();
            String description = embedded == null ? "--db " + SampleDatabase.redact(p.dbUrl()) : embedded.description();
            progress.say("database: %s", description);
            List<Run> runs = new ArrayList<>();
            for (int i = 1; i <= p.warmup() + p.runs(); i++) {
                boolean warm = i <= p.warmup();
                int run = warm ? i - p.warmup() - 1 : i - p.warmup(); // warm-ups: -1, -2, ...
                Run r = run(url, run, i == 1);
                if (!warm) {
                    runs.add(r);
                }
                progress.say("%s: drained %d connection(s) (%d mid-batch at the start) in %.0f ms, "
                        + "last client moved at %.0f ms; moved %d, dropped %d, to %s; batches %d ok, %d failed",
                        warm ? "warm-up run (not counted)" : "run " + run + "/" + p.runs(), r.held(), r.midBatchAtDrain(),
                        r.drainMillis(), r.lastMoveMillis(), r.moved(), r.dropped(), r.movedTo(), r.batchesOk(),
                        r.batchesFailed());
            }
            Result result = new Result(runs, description);
            write(result);
            return result;
        }
    }

    private Run run(String url, int run, boolean first) throws Exception {
        List<FrontendServer> frontends = new ArrayList<>();
        List<MtcpSocket> idle = new ArrayList<>();
        List<Thread> batches = new ArrayList<>();
        try (BenchPool pool = BenchPool.start(3, ServerOptions.defaults(), Duration.ZERO)) {
            try {
                for (MtcpServer server : pool.fixture().servers()) {
                    FrontendConfig config = FrontendConfig.defaults(null, server.name(), url)
                            .withDbPoolSize(p.midBatch() + 4)
                            .withAppSchemas(List.of(BankOperations.SCHEMA));
                    frontends.add(FrontendServer.start(config, BankOperations.registry(), server));
                }
                if (first) {
                    seedAccounts(url);
                }
                FrontendServer draining = frontends.get(0);
                List<InetSocketAddress> addresses = pool.clientAddresses(); // the draining one first: every client lands there
                List<MigrationEvent> moves = new CopyOnWriteArrayList<>();

                int idleCount = p.connections() - p.midBatch();
                for (int i = 0; i < idleCount; i++) {
                    idle.add(idleConnection(addresses, moves));
                    progress.count("run " + run + ": idle keep-alive connections", i + 1, idleCount);
                }
                for (FrontendServer fe : p.slowPeers() ? frontends : List.of(draining)) {
                    fe.slowdown().set(p.lineDelay().toMillis());
                }
                String prefix = "drain-" + run + "-" + Long.toHexString(System.nanoTime()) + "-";
                AtomicInteger ok = new AtomicInteger();
                List<String> failures = new CopyOnWriteArrayList<>();
                for (int i = 0; i < p.midBatch(); i++) {
                    String id = prefix + i;
                    long[][] transfers = FrontendBench.transfers(new Random(run * 100_000L + i), p.batch(), p.accounts());
                    batches.add(Thread.ofVirtual().name("drain-batch-" + i).start(
                            () -> postBatch(addresses, moves, id, transfers, ok, failures)));
                }
                int midBatchAtDrain = awaitBatchesUnderWay(url, prefix);
                int held = pool.fixture().server(draining.name()).stats().open();
                if (held != p.connections()) {
                    progress.say("run %d: %d connection(s) held before the drain, not %d", run, held, p.connections());
                }

                Instant start = Instant.now();
                progress.say("drain starts at %s (for a profile's time window)", start);
                FrontendServer.DrainReport report = draining.drain(p.timeout());
                awaitClientsMoved(moves, report.moved());
                Map<String, Integer> movedTo = new ConcurrentHashMap<>();
                for (MigrationEvent e : moves) {
                    if (e.succeeded()) {
                        movedTo.merge(e.to(), 1, Integer::sum);
                    }
                }
                for (Thread t : batches) {
                    t.join();
                }
                double[] micros = moves.stream().filter(MigrationEvent::succeeded).mapToDouble(MigrationEvent::micros).toArray();
                double lastMove = moves.stream().filter(MigrationEvent::succeeded)
                        .mapToDouble(e -> Duration.between(start, e.at()).toNanos() / 1e6).max().orElse(0);
                if (!failures.isEmpty()) {
                    progress.say("run %d: %d batch(es) failed; first: %s", run, failures.size(), failures.get(0));
                }
                return new Run(run, p.connections(), p.midBatch(), midBatchAtDrain, report.held(), report.moved(),
                        report.dropped(), report.took().toNanos() / 1e6, lastMove, micros, new LinkedHashMap<>(movedTo),
                        ok.get(), failures.size());
            } finally {
                for (MtcpSocket s : idle) {
                    closeQuietly(s);
                }
                awaitPeersIdle(pool);
                for (FrontendServer fe : frontends) {
                    fe.close();
                }
                for (Thread t : batches) {
                    t.join(Duration.ofSeconds(30));
                }
            }
        }
    }

    /** A connection that served one {@code GET /healthz} and now waits on keep-alive (snapshot {@code Idle}). */
    private static MtcpSocket idleConnection(List<InetSocketAddress> addresses, List<MigrationEvent> moves)
            throws IOException {
        MtcpSocket s = MtcpSocket.connect(addresses, ClientOptions.defaults());
        s.addMigrationListener(moves::add);
        OutputStream out = s.getOutputStream();
        out.write(HttpLite.get("/healthz"));
        out.flush();
        HttpLite.Response r = HttpLite.read(new BufferedInputStream(s.getInputStream(), 4096));
        if (r.status() != 200) {
            s.close();
            throw new IOException("GET /healthz answered " + r.status() + ": " + r.body());
        }
        return s;
    }

    /** One batch on a connection of its own, read to its end (it migrates meanwhile). */
    private static void postBatch(List<InetSocketAddress> addresses, List<MigrationEvent> moves, String id,
            long[][] transfers, AtomicInteger ok, List<String> failures) {
        try (MtcpSocket s = MtcpSocket.connect(addresses, ClientOptions.defaults())) {
            s.addMigrationListener(moves::add);
            OutputStream out = s.getOutputStream();
            out.write(HttpLite.post("/v1/batches", FrontendBench.batchJson(id, transfers)));
            out.flush();
            InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            HttpLite.Response r = HttpLite.read(in);
            if (r.status() == 200 && r.body().contains("\"summary\":true") && r.body().contains("\"status\":\"complete\"")) {
                ok.incrementAndGet();
            } else {
                failures.add(id + ": " + r.status() + " " + r.body().lines().reduce((a, b) -> b).orElse(""));
            }
        } catch (IOException | RuntimeException e) {
            failures.add(id + ": " + e);
        }
    }

    /**
     * Waits until every batch has committed its first transaction (so none is still waiting for its
     * head); returns how many are under way then (started, not finished).
     */
    private int awaitBatchesUnderWay(String url, String prefix) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (Connection c = DriverManager.getConnection(url); PreparedStatement st = c.prepareStatement(
                "SELECT count(*), count(*) FILTER (WHERE n < ?) FROM "
                        + "(SELECT batch, count(*) n FROM frontend.outcome WHERE batch LIKE ? GROUP BY batch) b")) {
            st.setInt(1, p.batch());
            st.setString(2, prefix + "%");
            while (true) {
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) >= p.midBatch() || System.nanoTime() > deadline) {
                        return rs.getInt(2);
                    }
                }
                Thread.sleep(20); // polling the database for a condition
            }
        }
    }

    /**
     * The drain ends when the last state has been handed out; the client hears WELCOME a moment
     * later: waits (up to 10 s) until the clients have reported {@code moved} migrations.
     */
    private static void awaitClientsMoved(List<MigrationEvent> moves, long moved) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (moves.stream().filter(MigrationEvent::succeeded).count() < moved && System.nanoTime() < deadline) {
            Thread.sleep(5); // polling the clients' events for a condition
        }
    }

    /** Lets the peers see the clients' CLOSE before they stop (else each client logs a failed connection). */
    private static void awaitPeersIdle(BenchPool pool) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (pool.fixture().servers().stream().anyMatch(s -> !s.isClosed() && s.stats().open() > 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(20); // polling the servers for a condition
        }
    }

    private void seedAccounts(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, new Properties()); Statement st = c.createStatement()) {
            st.execute("TRUNCATE bank.transfers, bank.accounts");
            st.execute(String.format(Locale.ROOT,
                    "INSERT INTO bank.accounts SELECT g, 1000000000 FROM generate_series(1, %d) g", p.accounts()));
        }
    }

    private static void closeQuietly(MtcpSocket s) {
        try {
            s.close();
        } catch (IOException | RuntimeException ignored) {
            // the benchmark is over for this connection
        }
    }

    private void write(Result r) throws IOException {
        try (Csv csv = new Csv(p.out().resolve("drain.csv"), List.of("run", "connections", "mid_batch",
                "mid_batch_at_drain", "held", "moved", "dropped", "drain_ms", "last_move_ms", "move_us_median",
                "move_us_p99", "moved_to", "batches_ok", "batches_failed"))) {
            for (Run run : r.runs()) {
                Stats m = new Stats(run.moveMicros().length == 0 ? new double[] {0} : run.moveMicros());
                csv.row(run.run(), run.connections(), run.midBatch(), run.midBatchAtDrain(), run.held(), run.moved(),
                        run.dropped(), run.drainMillis(), run.lastMoveMillis(), m.median(), m.p99(),
                        run.movedTo().toString().replace(",", ";").replace(" ", ""), run.batchesOk(), run.batchesFailed());
            }
        }
        Map<String, Double> bars = new LinkedHashMap<>();
        for (Run run : r.runs()) {
            bars.put("run " + run.run(), run.drainMillis());
        }
        Charts.bars(p.out().resolve("drain.png"), String.format(Locale.ROOT,
                "Drain of %d connections (%d mid-batch) to 2 peers: median %.0f ms", p.connections(), p.midBatch(),
                r.drainMillis().median()), "drain ms", bars);
    }

    public static Table table(Result r) {
        Table t = new Table("runs", "drain ms median", "min", "max", "last client moved ms median", "moved", "dropped",
                "batches failed");
        t.row(r.runs().size(), String.format(Locale.ROOT, "%.0f", r.drainMillis().median()),
                String.format(Locale.ROOT, "%.0f", r.drainMillis().min()),
                String.format(Locale.ROOT, "%.0f", r.drainMillis().max()),
                String.format(Locale.ROOT, "%.0f", r.lastMoveMillis().median()),
                r.runs().stream().mapToLong(Run::moved).sum(), r.runs().stream().mapToInt(Run::dropped).sum(),
                r.runs().stream().mapToInt(Run::batchesFailed).sum());
        return t;
    }
}
