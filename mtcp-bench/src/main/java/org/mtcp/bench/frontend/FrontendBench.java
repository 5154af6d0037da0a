package org.mtcp.bench.frontend;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mtcp.bench.BenchPool;
import org.mtcp.bench.Charts;
import org.mtcp.bench.Csv;
import org.mtcp.bench.Link;
import org.mtcp.bench.Progress;
import org.mtcp.bench.Stats;
import org.mtcp.bench.Table;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.MtcpSocket;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.bench.Strategies;
import org.mtcp.frontend.FrontendConfig;
import org.mtcp.frontend.FrontendServer;
import org.mtcp.frontend.ops.OperationFailure;
import org.mtcp.webapp.BankOperations;
import org.mtcp.webapp.SampleDatabase;

/**
 * Transactions per second through the migratory front-end against the same transactions issued
 * directly over JDBC: same database, same run, phases alternating. {@code clients} workers each
 * repeat a batch of {@code batch} transfers between random accounts, the sample bank's
 * {@code transfer} ({@link BankOperations#transfer}: the same statements both ways):
 *
 * <ul>
 * <li>{@code jdbc}: a JDBC connection per worker; each transfer is its own transaction
 *     ({@code autoCommit=false}, the transfer's statements, COMMIT).</li>
 * <li>{@code frontend}: an M-TCP connection per worker to a pool of front-ends in this JVM; each
 *     batch is one HTTP POST of {@code batch} transfers, answered with one NDJSON line per
 *     transaction. The front-end runs each transfer in its own transaction with everything that
 *     makes it migratable: session epoch (fencing), transaction id, snapshot export before COMMIT,
 *     the outcome recorded in its batch store.</li>
 * </ul>
 *
 * The ratio frontend/jdbc is the price of migratability (no migration happens during the run).
 *
 * <p>With several state transfer strategies ({@code transfers}), each gets a pool of front-ends of
 * its own (all started at once, on the same database) and a mode of its own in the alternation
 * ({@code frontend/replicated(1)}); with lazy transfer alone the mode is {@code frontend}, as
 * before. The front-end exports a snapshot before every COMMIT, so with replicated transfer every
 * transaction pays a push to a replica.
 */
public final class FrontendBench {

    public record Params(String dbUrl, int clients, int batch, Duration duration, int runs, int accounts,
            int frontends, List<StateTransfer> transfers, List<Link> links, Path out) {
        public Params {
            transfers = Strategies.requireDistinct(transfers);
            links = Link.requireDistinct(links);
        }

        /** Plaintext links only. */
        public Params(String dbUrl, int clients, int batch, Duration duration, int runs, int accounts,
                int frontends, List<StateTransfer> transfers, Path out) {
            this(dbUrl, clients, batch, duration, runs, accounts, frontends, transfers, List.of(Link.PLAIN), out);
        }

        /** The previous form: lazy transfer only. */
        public Params(String dbUrl, int clients, int batch, Duration duration, int runs, int accounts, int frontends,
                Path out) {
            this(dbUrl, clients, batch, duration, runs, accounts, frontends, List.of(StateTransfer.lazy()), out);
        }

        /** The mode of the front-ends with strategy {@code t} over plaintext links. */
        public String mode(StateTransfer t) {
            return mode(t, Link.PLAIN);
        }

        /** The mode of the front-ends with strategy {@code t} over {@code link} ({@code +tls} over TLS). */
        public String mode(StateTransfer t, Link link) {
            boolean onlyLazy = transfers.size() == 1 && t.name().equals(StateTransfer.lazy().name());
            return (onlyLazy ? "frontend" : "frontend/" + t.name()) + (link == Link.TLS ? "+tls" : "");
        }

        /** jdbc, then one mode per link and strategy. */
        public List<String> modes() {
            List<String> m = new ArrayList<>(List.of("jdbc"));
            for (Link l : links) {
                transfers.forEach(t -> m.add(mode(t, l)));
            }
            return m;
        }
    }

    public record Phase(String mode, int run, long transactions, long aborted, double seconds, double[] batchMillis,
            Map<String, Long> dbWork) {
        public double tps() {
            return transactions / seconds;
        }

        /** This JVM's CPU (the clients, and the front-ends in a front-end mode) per transaction, in us. */
        public double cpuMicrosPerTransaction() {
            return transactions == 0 ? 0 : dbWork.getOrDefault("jvm_cpu_us", 0L) / (double) transactions;
        }
    }

    public record Result(List<Phase> phases, String database, List<String> modes) {
        public double medianTps(String mode) {
            return new Stats(phases.stream().filter(p -> p.mode.equals(mode)).mapToDouble(Phase::tps).toArray()).median();
        }

        public double medianCpuPerTransaction(String mode) {
            return new Stats(phases.stream().filter(p -> p.mode.equals(mode))
                    .mapToDouble(Phase::cpuMicrosPerTransaction).toArray()).median();
        }

        /** The first front-end mode against JDBC. */
        public double ratio() {
            return medianTps(modes.get(1)) / medianTps("jdbc");
        }
    }

    private static final Pattern SUMMARY = Pattern.compile(
            "\\{\"summary\":true,.*\"committed\":(\\d+),\"aborted\":(\\d+)\\}\\s*$");

    private final Params p;
    private final Progress progress;

    public FrontendBench(Params params, Progress progress) {
        this.p = params;
        this.progress = progress;
    }

    private record Db(String url, Properties credentials, String description) {}

    public Result run() throws Exception {
        // Jetty warns about its acceptors being interrupted whenever a front-end stops: noise in a
        // benchmark's output (read when each logger is created, so before the front-ends start).
        if (System.getProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "error");
        }
        try (SampleDatabase embedded = p.dbUrl() == null ? SampleDatabase.embedded(embeddedConnections(), false) : null) {
            Db db = embedded == null
                    ? new Db(p.dbUrl(), new Properties(), "--db " + SampleDatabase.redact(p.dbUrl()))
                    : new Db(embedded.jdbcUrl(), new Properties(), embedded.description());
            progress.say("database: %s", db.description());
            return run(db);
        }
    }

    /** Front-ends' pools, the JDBC workers and the counters' connection, with room to spare. */
    private int embeddedConnections() {
        return Math.max(100, p.links().size() * p.transfers().size() * p.frontends() * (p.clients() + 2) + p.clients() + 20);
    }

    private Result run(Db db) throws Exception {
        List<FrontendServer> frontends = new ArrayList<>();
        List<BenchPool> pools = new ArrayList<>();
        Map<String, BenchPool> poolOfMode = new LinkedHashMap<>();
        List<Phase> phases = new ArrayList<>();
        List<String> modes = p.modes();
        try {
            int servers = Strategies.poolSize(p.transfers(), p.frontends());
            for (Link link : p.links()) {
                for (StateTransfer t : p.transfers()) {
                    BenchPool pool = BenchPool.start(servers, ServerOptions.defaults().withStateTransfer(t), Duration.ZERO,
                            BenchPool.Paths.BOTH, link);
                    pools.add(pool);
                    poolOfMode.put(p.mode(t, link), pool);
                    for (MtcpServer server : pool.fixture().servers()) {
                        FrontendConfig config = FrontendConfig.defaults(null, server.name(), db.url())
                                .withCredentials(db.credentials().getProperty("user"), db.credentials().getProperty("password"))
                                .withDbPoolSize(Math.max(2, p.clients() + 2))
                                .withAppSchemas(List.of(BankOperations.SCHEMA))
                                .withStateTransfer(t); // the server's options decide; recorded for the record
                        frontends.add(FrontendServer.start(config, BankOperations.registry(), server));
                    }
                }
            }
            seedAccounts(db);
            progress.say("%d front-end(s) up (%d per pool; state transfer: %s); warm-up", frontends.size(), servers,
                    Strategies.names(p.transfers()));
            Duration warm = p.duration().compareTo(Duration.ofSeconds(5)) < 0 ? p.duration() : Duration.ofSeconds(5);
            for (String mode : modes) {
                phase(mode, -1, warm, db, poolOfMode.get(mode), false);
            }
            for (int run = 0; run < p.runs(); run++) {
                for (int k = 0; k < modes.size(); k++) {
                    String mode = modes.get((run + k) % modes.size()); // rotate which goes first
                    Phase ph = phase(mode, run, p.duration(), db, poolOfMode.get(mode), true);
                    phases.add(ph);
                    progress.say("run %d/%d %s: %.0f transactions/s (%d transactions, %d aborted); per transaction "
                            + "the database saw %s", run + 1, p.runs(), mode, ph.tps(), ph.transactions(), ph.aborted(),
                            perTransaction(ph));
                }
            }
        } finally {
            for (FrontendServer fe : frontends) {
                fe.close();
            }
            for (BenchPool pool : pools) {
                pool.close();
            }
        }
        Result r = new Result(phases, db.description(), modes);
        write(r);
        return r;
    }

    /**
     * Fresh accounts for every run (the first front-end migrated the bank schema): {@code accounts}
     * of them with a balance no run can exhaust, and no transfers yet. Functions are counted
     * ({@code track_functions}, for sessions opened from now on) so that a phase's mtcp calls
     * show in its database work.
     */
    private void seedAccounts(Db db) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.url(), db.credentials()); Statement st = c.createStatement()) {
            st.execute("TRUNCATE bank.transfers, bank.accounts");
            st.execute(String.format(Locale.ROOT,
                    "INSERT INTO bank.accounts SELECT g, 1000000000 FROM generate_series(1, %d) g", p.accounts()));
            st.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET track_functions = ''pl''', current_database()); END $$");
        }
    }

    /** One timed phase: every worker loops on batches until the deadline. */
    private Phase phase(String mode, int run, Duration length, Db db, BenchPool pool, boolean counters) throws Exception {
        AtomicLong committed = new AtomicLong();
        AtomicLong aborted = new AtomicLong();
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> workers = new ArrayList<>();
        Map<String, Long> before = counters ? dbCounters(db) : Map.of();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long start = System.nanoTime();
        long deadline = start + length.toNanos();
        for (int w = 0; w < p.clients(); w++) {
            int worker = w;
            workers.add(Thread.ofPlatform().name("bench-" + mode + "-" + w).start(() -> {
                try {
                    if (mode.equals("jdbc")) {
                        jdbcWorker(db, worker, run, deadline, committed, aborted, latencies);
                    } else {
                        frontendWorker(pool, worker, run, deadline, committed, aborted, latencies);
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread t : workers) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long jvmCpuMicros = (os.getProcessCpuTime() - cpu0) / 1000;
        if (!failures.isEmpty()) {
            Throwable t = failures.get(0);
            throw new IOException(mode + " worker failed: " + t, t);
        }
        Map<String, Long> after = counters ? dbCounters(db) : Map.of();
        Map<String, Long> work = new LinkedHashMap<>();
        work.put("jvm_cpu_us", jvmCpuMicros); // this JVM: the clients, and the front-ends in frontend mode
        for (Map.Entry<String, Long> e : after.entrySet()) {
            work.put(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L));
        }
        return new Phase(mode, run, committed.get(), aborted.get(), seconds,
                latencies.stream().mapToDouble(Double::doubleValue).toArray(), work);
    }

    /**
     * The database's cumulative counters for this database (transactions, rows written) and the
     * calls of each mtcp function: what a phase cost the database, read before and after it.
     * PostgreSQL publishes these statistics with a delay of up to a second, hence the wait.
     */
    private static Map<String, Long> dbCounters(Db db) {
        Map<String, Long> m = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(db.url(), db.credentials()); Statement st = c.createStatement()) {
            Thread.sleep(1100);
            st.execute("SELECT pg_stat_clear_snapshot()");
            try (var rs = st.executeQuery("SELECT xact_commit + xact_rollback, tup_inserted, tup_updated, tup_deleted, "
                    + "tup_returned + tup_fetched, sessions FROM pg_stat_database WHERE datname = current_database()")) {
                if (rs.next()) {
                    m.put("xacts", rs.getLong(1));
                    m.put("rows_inserted", rs.getLong(2));
                    m.put("rows_updated", rs.getLong(3));
                    m.put("rows_deleted", rs.getLong(4));
                    m.put("rows_read", rs.getLong(5));
                    m.put("db_sessions_opened", rs.getLong(6));
                }
            }
            try (var rs = st.executeQuery("SELECT schemaname || '.' || funcname, calls FROM pg_stat_user_functions "
                    + "WHERE schemaname = 'mtcp' ORDER BY 1")) {
                while (rs.next()) {
                    m.put("calls " + rs.getString(1), rs.getLong(2));
                }
            }
        } catch (SQLException e) {
            m.put("unavailable", 0L); // statistics are a diagnostic: never fail the run for them
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return m;
    }

    private long[][] transfers(Random random) {
        return transfers(random, p.batch(), p.accounts());
    }

    /** {@code n} transfers {from, to, amount} between distinct random accounts 1..accounts, amounts 1 to 100. */
    static long[][] transfers(Random random, int n, int accounts) {
        long[][] t = new long[n][3];
        for (long[] x : t) {
            x[0] = 1 + random.nextInt(accounts);
            do {
                x[1] = 1 + random.nextInt(accounts);
            } while (x[1] == x[0] && accounts > 1);
            x[2] = 1 + random.nextInt(100);
        }
        return t;
    }

    /** The POST body of batch {@code id}: one bank {@code transfer} per row of {@code ts}. */
    static String batchJson(String id, long[][] ts) {
        StringBuilder json = new StringBuilder("{\"id\":\"").append(id).append("\",\"transactions\":[");
        for (int i = 0; i < ts.length; i++) {
            json.append(i == 0 ? "" : ",").append("{\"op\":\"transfer\",\"args\":{\"from\":").append(ts[i][0])
                    .append(",\"to\":").append(ts[i][1]).append(",\"amount\":").append(ts[i][2]).append("}}");
        }
        return json.append("]}").toString();
    }

    private void jdbcWorker(Db db, int worker, int run, long deadline, AtomicLong committed, AtomicLong aborted,
            List<Double> latencies) throws SQLException {
        Random random = new Random(1000L * run + worker);
        try (Connection c = DriverManager.getConnection(db.url(), db.credentials())) {
            c.setAutoCommit(false);
            long batches = 0;
            while (System.nanoTime() < deadline) {
                long t0 = System.nanoTime();
                String batch = "jdbc-" + run + "-" + worker + "-" + batches++;
                int seq = 0;
                for (long[] t : transfers(random)) {
                    try {
                        BankOperations.transfer(c, batch, seq++, t[0], t[1], t[2]);
                        c.commit();
                        committed.incrementAndGet();
                    } catch (OperationFailure refused) {
                        c.rollback(); // a refused transfer aborts, as the front-end's does
                        aborted.incrementAndGet();
                    }
                }
                latencies.add((System.nanoTime() - t0) / 1e6);
            }
        }
    }

    private void frontendWorker(BenchPool pool, int worker, int run, long deadline, AtomicLong committed,
            AtomicLong aborted, List<Double> latencies) throws IOException {
        Random random = new Random(1000L * run + worker);
        List<InetSocketAddress> addresses = new ArrayList<>(pool.clientAddresses());
        Collections.rotate(addresses, -worker); // spread the workers over the front-ends
        String prefix = "b" + Long.toHexString(System.nanoTime()) + "-" + worker + "-";
        int n = 0;
        MtcpSocket s = null;
        try {
            InputStream in = null;
            OutputStream out = null;
            while (System.nanoTime() < deadline) {
                if (s == null) {
                    s = MtcpSocket.connect(addresses, pool.clientOptions(ClientOptions.defaults()));
                    in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
                    out = s.getOutputStream();
                }
                String json = batchJson(prefix + n++, transfers(random));
                long t0 = System.nanoTime();
                out.write(HttpLite.post("/v1/batches", json));
                out.flush();
                HttpLite.Response r = HttpLite.read(in);
                latencies.add((System.nanoTime() - t0) / 1e6);
                if (r.status() != 200) {
                    throw new IOException("front-end answered " + r.status() + ": " + r.body());
                }
                Matcher m = SUMMARY.matcher(r.body());
                if (!m.find()) {
                    throw new IOException("no summary line in the response: " + r.body());
                }
                committed.addAndGet(Long.parseLong(m.group(1)));
                aborted.addAndGet(Long.parseLong(m.group(2)));
                if (r.close()) {
                    s.close();
                    s = null;
                }
            }
        } finally {
            if (s != null) {
                s.close();
            }
        }
    }

    private void write(Result r) throws IOException {
        Map<String, String> strategyOfMode = new LinkedHashMap<>();
        Map<String, String> linkOfMode = new LinkedHashMap<>();
        for (Link l : p.links()) {
            p.transfers().forEach(t -> strategyOfMode.put(p.mode(t, l), t.name()));
            p.transfers().forEach(t -> linkOfMode.put(p.mode(t, l), l.label()));
        }
        try (Csv csv = new Csv(p.out().resolve("frontend.csv"), List.of("mode", "state_transfer", "run", "clients", "batch",
                "seconds", "transactions", "aborted", "tps", "batch_ms_median", "batch_ms_p99", "link",
                "jvm_cpu_us_per_transaction"))) {
            for (Phase ph : r.phases()) {
                Stats lat = new Stats(ph.batchMillis().length == 0 ? new double[] {0} : ph.batchMillis());
                csv.row(ph.mode(), strategyOfMode.getOrDefault(ph.mode(), "-"), ph.run(), p.clients(), p.batch(), ph.seconds(), ph.transactions(), ph.aborted(),
                        ph.tps(), lat.median(), lat.p99(), linkOfMode.getOrDefault(ph.mode(), "-"), ph.cpuMicrosPerTransaction());
            }
        }
        try (Csv csv = new Csv(p.out().resolve("frontend-db.csv"), List.of("mode", "run", "counter", "per_transaction"))) {
            for (Phase ph : r.phases()) {
                for (Map.Entry<String, Long> e : ph.dbWork().entrySet()) {
                    csv.row(ph.mode(), ph.run(), e.getKey().replace(' ', '_'),
                            ph.transactions() == 0 ? 0.0 : (double) e.getValue() / ph.transactions());
                }
            }
        }
        Map<String, Double> bars = new LinkedHashMap<>();
        for (String mode : r.modes()) {
            bars.put(mode, r.medianTps(mode));
        }
        Charts.bars(p.out().resolve("frontend.png"), String.format(Locale.ROOT,
                "Transfers per second, %d clients, batches of %d (frontend/jdbc = %.2f)", p.clients(), p.batch(), r.ratio()),
                "transactions/s (median)", bars);
    }

    private static String perTransaction(Phase ph) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Long> e : ph.dbWork().entrySet()) {
            if (e.getValue() != 0 && ph.transactions() > 0) {
                b.append(b.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
                        .append(String.format(Locale.ROOT, "%.1f", (double) e.getValue() / ph.transactions()));
            }
        }
        return b.toString();
    }

    public static Table table(Result r) {
        String first = r.modes().get(1);
        Table t = new Table("mode", "transactions/s", "batch ms median", "batch ms p99", "x jdbc", "x " + first,
                "JVM CPU us/transaction", "CPU x " + first);
        for (String mode : r.modes()) {
            double[] lat = r.phases().stream().filter(ph -> ph.mode().equals(mode))
                    .flatMapToDouble(ph -> java.util.Arrays.stream(ph.batchMillis())).toArray();
            Stats s = new Stats(lat.length == 0 ? new double[] {0} : lat);
            t.row(mode, String.format(Locale.ROOT, "%.0f", r.medianTps(mode)), String.format(Locale.ROOT, "%.1f", s.median()),
                    String.format(Locale.ROOT, "%.1f", s.p99()),
                    String.format(Locale.ROOT, "%.2f", r.medianTps(mode) / r.medianTps("jdbc")),
                    mode.equals("jdbc") ? "-" : String.format(Locale.ROOT, "%.3f", r.medianTps(mode) / r.medianTps(first)),
                    String.format(Locale.ROOT, "%.0f", r.medianCpuPerTransaction(mode)),
                    mode.equals("jdbc") ? "-" : String.format(Locale.ROOT, "%.2f",
                            r.medianCpuPerTransaction(mode) / r.medianCpuPerTransaction(first)));
        }
        return t;
    }
}
