package org.mtcp.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MtcpSocket;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.ValueSyntax;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.testkit.ServerApp;

/**
 * The paper's Figure 6: the time to complete a migration, measured by the client from its
 * initiation (TCP connect to the new server) until data exchange can start (WELCOME arrived),
 * against the size of the server application's snapshot.
 *
 * <p>One client connection to a pool of two servers migrates back and forth. Each run: the client
 * sends a 4-byte request naming a snapshot size; the server reads it, exports a snapshot of that
 * many bytes, and answers one byte; when the client has the answer, it migrates and records the
 * {@link MigrationEvent#micros()} of the event (the protocol-level time, as in the paper) and the
 * wall time of the {@code migrate()} call (which also includes switching the streams over). The
 * new server imports the snapshot, regenerates its one-byte answer (as the contract requires)
 * and waits for the next request. So every migration transfers exactly the snapshot, an empty
 * inbound log and at most one retained outbound byte. Sizes are interleaved run by run, so load
 * changes on the machine spread evenly over them.
 *
 * <p>Reference measurements on the same path, so that the numbers can be read in round trips:
 * the path's RTT (1-byte ping-pong on an open plain TCP connection) and the lower bound of a
 * migration without state transfer, a TCP handshake plus one round trip (plain TCP connect and a
 * 1-byte exchange). The difference between a migration and that lower bound is the price of lazy
 * transfer: the HELLO/WELCOME processing, one control-plane round trip (FETCH/STATE) and the
 * state's bytes.
 *
 * <p>With several state transfer strategies ({@code transfers}), each (path, link) runs one pool
 * and one connection per strategy side by side, and every run migrates each of them in turn (the
 * order rotating run by run), so that load on the machine falls on all alike. With replicated
 * transfer the export in each request also pushes the snapshot to the replica (not timed here:
 * the migration is), and a connection that starts on a server pushes its state before WELCOME (on
 * the migration's path).
 */
public final class MigrationBench {

    /**
     * @param sizes snapshot sizes in bytes
     * @param runs measured migrations per size and path
     * @param warmup unmeasured migrations per path before the measured ones
     * @param rtts the paths: {@link Duration#ZERO} is plain loopback, anything else goes through
     *     delay proxies emulating that RTT on the client paths and on the control paths
     */
    public record Params(List<Integer> sizes, int runs, int warmup, List<Duration> rtts, BenchPool.Paths delayed,
            List<StateTransfer> transfers, List<Link> links, Path out) {
        public Params {
            transfers = Strategies.requireDistinct(transfers);
            links = Link.requireDistinct(links);
        }

        /** Plaintext links only. */
        public Params(List<Integer> sizes, int runs, int warmup, List<Duration> rtts, BenchPool.Paths delayed,
                List<StateTransfer> transfers, Path out) {
            this(sizes, runs, warmup, rtts, delayed, transfers, List.of(Link.PLAIN), out);
        }

        /** The previous form: lazy transfer only. */
        public Params(List<Integer> sizes, int runs, int warmup, List<Duration> rtts, BenchPool.Paths delayed, Path out) {
            this(sizes, runs, warmup, rtts, delayed, List.of(StateTransfer.lazy()), out);
        }
    }

    /**
     * What one connection of a (path, link) measurement runs over: {@code plain}; {@code tls} (the
     * client resumes the TLS session it had with a server when it comes back to it, as the JDK does
     * on its own: the connection migrates back and forth between two servers, so every migration
     * after the first two resumes); {@code tls-full} (the client forgets its TLS sessions before
     * every migration: full handshakes, the certificate signature and chain check included). The
     * last two differ by what resumption saves.
     */
    public enum Variant {
        PLAIN("plain"), TLS("tls"), TLS_FULL("tls-full");

        private final String label;

        Variant(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        Link link() {
            return this == PLAIN ? Link.PLAIN : Link.TLS;
        }

        static List<Variant> of(List<Link> links) {
            List<Variant> v = new ArrayList<>();
            for (Link l : links) {
                if (l == Link.PLAIN) {
                    v.add(PLAIN);
                } else {
                    v.add(TLS);
                    v.add(TLS_FULL);
                }
            }
            return v;
        }
    }

    /**
     * One (path, link, size) cell of the result, in microseconds; {@code standby}: the client kept
     * a standby link to the next server ({@link ClientOptions#withStandby}), so no TCP handshake.
     */
    public record Cell(Duration rtt, boolean standby, String stateTransfer, String link, int size, Stats protocol,
            Stats call, double cpuMicrosPerMigration, double resumedFraction) {}

    /** Per path: measured RTT and lower bound, in microseconds. */
    public record PathRef(Duration rtt, Stats pathRtt, Stats lowerBound) {}

    public record Result(List<Cell> cells, List<PathRef> paths) {
        public PathRef path(Duration rtt) {
            return paths.stream().filter(p -> p.rtt.equals(rtt)).findFirst().orElseThrow();
        }
    }

    private final Params params;
    private final Progress progress;

    public MigrationBench(Params params, Progress progress) {
        this.params = params;
        this.progress = progress;
    }

    public Result run() throws IOException {
        int maxSize = params.sizes().stream().mapToInt(Integer::intValue).max().orElse(0);
        List<Cell> cells = new ArrayList<>();
        List<PathRef> paths = new ArrayList<>();
        try (Csv raw = new Csv(params.out().resolve("migration.csv"),
                List.of("path", "state_transfer", "rtt_us", "size_bytes", "run", "protocol_us", "call_us", "link"))) {
            progress.say("state transfer: %s; links: %s", Strategies.names(params.transfers()),
                    String.join(", ", Variant.of(params.links()).stream().map(Variant::label).toList()));
            for (Duration rtt : params.rtts()) {
                String path = pathName(rtt);
                progress.say("path %s: reference round trips and lower bound", path);
                PathRef ref = reference(rtt);
                paths.add(ref);
                progress.say("path %s: RTT median %.0f us, TCP handshake + 1 RTT median %.0f us",
                        path, ref.pathRtt().median(), ref.lowerBound().median());
                ServerOptions options = ServerOptions.defaults()
                        .withMaxSnapshotSize(Math.max(ServerOptions.defaults().maxSnapshotSize(), maxSize));
                for (boolean standby : new boolean[] {false, true}) {
                    cells.addAll(measure(rtt, standby, options, raw));
                }
            }
        }
        Result result = new Result(cells, paths);
        writeSummary(result);
        chart(result);
        return result;
    }

    /** One side of a (path, link) measurement: a strategy over a variant, with its pool and connection. */
    private record Side(StateTransfer transfer, Variant variant) {
        String name() {
            return transfer.name() + "/" + variant.label();
        }
    }

    /**
     * One (path, link): a pool and a connection per (strategy, variant), migrated in turn. CPU:
     * the process's CPU time over each side's migrations (with the request/answer before each and,
     * with a standby link, the wait for the next standby link to open, whose handshake is thus
     * charged to the migration that needed it), divided by their number.
     */
    private List<Cell> measure(Duration rtt, boolean standby, ServerOptions options, Csv raw) throws IOException {
        String path = pathName(rtt);
        String link = standby ? "standby" : "cold";
        List<Side> sides = new ArrayList<>();
        for (Variant v : Variant.of(params.links())) {
            for (StateTransfer t : params.transfers()) {
                sides.add(new Side(t, v));
            }
        }
        int n = sides.size();
        int sizes = params.sizes().size();
        long[][][] protocol = new long[n][sizes][params.runs()];
        long[][][] call = new long[n][sizes][params.runs()];
        long[] cpuNanos = new long[n];
        List<List<Instant[]>> windows = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            windows.add(new ArrayList<>());
        }
        long[] fullHandshakes = new long[n];
        boolean counted;
        ClientOptions co = ClientOptions.defaults().withConnectTimeout(Duration.ofSeconds(10)).withStandby(standby);
        int servers = Strategies.poolSize(params.transfers(), 2);
        List<BenchPool> pools = new ArrayList<>();
        List<MtcpSocket> sockets = new ArrayList<>();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        HandshakeCounter handshakes = sides.stream().anyMatch(s -> s.variant() != Variant.PLAIN)
                ? HandshakeCounter.start() : HandshakeCounter.none();
        try {
            for (Side side : sides) {
                BenchPool pool = BenchPool.start(servers, options.withStateTransfer(side.transfer()), rtt,
                        params.delayed(), side.variant().link());
                pools.add(pool);
                pool.serve(app());
                sockets.add(MtcpSocket.connect(pool.clientAddresses(), pool.clientOptions(co)));
            }
            List<DataOutputStream> outs = new ArrayList<>();
            for (MtcpSocket s : sockets) {
                outs.add(new DataOutputStream(s.getOutputStream()));
            }
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < params.warmup(); i++) {
                    forgetIfFull(sides.get(j), pools.get(j));
                    migrateOnce(sockets.get(j), outs.get(j), sockets.get(j).getInputStream(),
                            params.sizes().get(i % sizes), standby);
                    progress.count("path " + path + " " + link + " " + sides.get(j).name() + ": warm-up", i + 1,
                            params.warmup());
                }
            }
            long total = (long) params.runs() * sizes * n;
            long done = 0;
            for (int run = 0; run < params.runs(); run++) {
                for (int m = 0; m < n; m++) {
                    int j = (run + m) % n; // rotate which goes first
                    Side side = sides.get(j);
                    MtcpSocket s = sockets.get(j);
                    Instant from = Instant.now();
                    long cpu0 = os.getProcessCpuTime();
                    for (int k = 0; k < sizes; k++) {
                        int size = params.sizes().get(k);
                        forgetIfFull(side, pools.get(j));
                        long[] r = migrateOnce(s, outs.get(j), s.getInputStream(), size, standby);
                        protocol[j][k][run] = r[0];
                        call[j][k][run] = r[1];
                        raw.row(path + (standby ? "+standby" : ""), side.transfer().name(), rtt.toNanos() / 1000, size,
                                run, r[0], r[1], side.variant().label());
                        progress.count("path " + path + " " + link + ": migrations", ++done, total);
                    }
                    if (standby) {
                        awaitStandby(s); // the standby link the last migration asked for is this side's cost
                    }
                    cpuNanos[j] += os.getProcessCpuTime() - cpu0;
                    windows.get(j).add(new Instant[] {from, Instant.now()});
                }
            }
            for (DataOutputStream out : outs) {
                out.writeInt(-1); // the server closes
                out.flush();
            }
            for (MtcpSocket s : sockets) {
                s.close();
            }
            sockets.clear();
            for (BenchPool pool : pools) {
                pool.checkApp();
            }
            handshakes.finish();
            counted = handshakes.available();
            for (int j = 0; j < n; j++) {
                for (Instant[] w : windows.get(j)) {
                    fullHandshakes[j] += handshakes.between(w[0], w[1]);
                }
            }
        } finally {
            handshakes.close();
            for (MtcpSocket s : sockets) {
                s.close();
            }
            for (BenchPool pool : pools) {
                pool.close();
            }
        }
        List<Cell> cells = new ArrayList<>();
        long migrations = (long) params.runs() * sizes;
        for (int j = 0; j < n; j++) {
            BenchPool pool = pools.get(j);
            Side side = sides.get(j);
            if (pool.controlConnections() >= 0) {
                progress.say("path %s %s: %d control connection(s) opened for %d migrations", path, side.name(),
                        pool.controlConnections(), params.warmup() + migrations);
            }
            double cpuPer = cpuNanos[j] / 1000.0 / migrations;
            // a full handshake checks the server's chain (the counter sees it); a resumed one does not
            double resumed = side.variant() == Variant.PLAIN || !counted ? Double.NaN
                    : Math.max(0, 1 - (double) fullHandshakes[j] / migrations);
            if (side.variant() != Variant.PLAIN) {
                progress.say("path %s %s %s: %d full TLS handshake(s) (server chain checked) in %d migrations%s", path,
                        link, side.name(), fullHandshakes[j], migrations,
                        counted ? "" : " (JFR unavailable: not counted)");
            }
            for (int k = 0; k < sizes; k++) {
                cells.add(new Cell(rtt, standby, side.transfer().name(), side.variant().label(), params.sizes().get(k),
                        Stats.of(protocol[j][k]), Stats.of(call[j][k]), cpuPer, resumed));
            }
        }
        return cells;
    }

    private static void forgetIfFull(Side side, BenchPool pool) {
        if (side.variant() == Variant.TLS_FULL) {
            pool.forgetTlsSessions();
        }
    }

    private String pathName(Duration rtt) {
        if (rtt.isZero()) {
            return "loopback";
        }
        String where = switch (params.delayed()) {
            case BOTH -> "";
            case CLIENT -> "-client-only";
            case CONTROL -> "-control-only";
        };
        return "rtt-" + ValueSyntax.format(rtt) + where;
    }

    private PathRef reference(Duration rtt) throws IOException {
        int n = Math.max(params.runs(), 20);
        try (PlainNet.Echo echo = new PlainNet.Echo();
                BenchPool none = BenchPool.start(1, ServerOptions.defaults(), Duration.ZERO)) {
            InetSocketAddress target = echo.address();
            if (!rtt.isZero() && params.delayed() != BenchPool.Paths.CONTROL) {
                target = none.proxy(echo.address(), rtt.dividedBy(2)).address();
            }
            long[] rt = PlainNet.roundTrips(target, n);
            long[] lb = PlainNet.connectPlusRoundTrip(target, n);
            return new PathRef(rtt, micros(rt), micros(lb));
        }
    }

    private static Stats micros(long[] nanos) {
        return new Stats(Arrays.stream(nanos).mapToDouble(v -> v / 1000.0).toArray());
    }

    /**
     * One request/answer, then one migration: {protocol us, call us}. With {@code standby},
     * waits first (unmeasured) until the client has its standby link to the other server open:
     * it is renewed after each migration, and a migration before that would measure a cold one.
     */
    private static long[] migrateOnce(MtcpSocket s, DataOutputStream out, InputStream in, int size,
            boolean standby) throws IOException {
        out.writeInt(size);
        out.flush();
        int b = in.read();
        if (b != 'k') {
            throw new IOException("unexpected answer " + b + " from " + s.currentServer());
        }
        if (standby) {
            awaitStandby(s);
        }
        long t0 = System.nanoTime();
        MigrationEvent e = s.migrate();
        long callMicros = (System.nanoTime() - t0) / 1000;
        if (!e.succeeded()) {
            throw new IOException("migration from " + e.from() + " failed: " + e.error());
        }
        return new long[] {e.micros(), callMicros};
    }

    private static void awaitStandby(MtcpSocket s) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (s.standbyServer().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("no standby link open within 5 s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000); // polling a server counter
        }
    }

    /** The synthetic server of the paper: no service, only snapshots of the requested size. */
    static ServerApp app() {
        byte[] pattern = new byte[1 << 20];
        new Random(6).nextBytes(pattern);
        return c -> {
            OutputStream out = c.getOutputStream();
            DataInputStream in = new DataInputStream(c.getInputStream());
            if (c.migrated()) {
                c.importState();
                out.write('k'); // regenerates the answer written after the snapshot
                out.flush();
            }
            while (true) {
                int size;
                try {
                    size = in.readInt();
                } catch (EOFException e) {
                    c.close();
                    return;
                }
                if (size < 0) {
                    c.close();
                    return;
                }
                c.exportState(size <= pattern.length ? Arrays.copyOf(pattern, size) : new byte[size]);
                out.write('k');
                out.flush();
            }
        };
    }

    private void writeSummary(Result r) throws IOException {
        try (Csv csv = new Csv(params.out().resolve("migration-summary.csv"),
                List.of("path", "state_transfer", "rtt_us", "measured_rtt_us", "lower_bound_us", "size_bytes", "runs",
                        "median_us", "p90_us", "p99_us", "median_rtts", "lazy_transfer_us", "call_median_us",
                        "ratio_to_first_strategy", "link", "cpu_us_per_migration", "ratio_to_plain",
                        "extra_rtts_vs_plain", "resumed_fraction"))) {
            for (Cell c : r.cells()) {
                PathRef p = r.path(c.rtt());
                csv.row(pathName(c.rtt()) + (c.standby() ? "+standby" : ""), c.stateTransfer(), c.rtt().toNanos() / 1000,
                        p.pathRtt().median(), p.lowerBound().median(),
                        c.size(), c.protocol().count(), c.protocol().median(), c.protocol().p90(), c.protocol().p99(),
                        c.protocol().median() / p.pathRtt().median(),
                        c.protocol().median() - p.lowerBound().median(), c.call().median(),
                        c.protocol().median() / reference(r, c).protocol().median(), c.link(),
                        c.cpuMicrosPerMigration(), plainRatio(r, c), extraRtts(r, c),
                        Double.isNaN(c.resumedFraction()) ? "-" : String.format(Locale.ROOT, "%.3f", c.resumedFraction()));
            }
        }
    }

    /** The same cell over plaintext links, when the run measured them. */
    private static java.util.Optional<Cell> plain(Result r, Cell c) {
        return r.cells().stream().filter(x -> x.rtt().equals(c.rtt()) && x.standby() == c.standby()
                && x.size() == c.size() && x.stateTransfer().equals(c.stateTransfer())
                && x.link().equals(Variant.PLAIN.label())).findFirst();
    }

    /** This cell's median over the same cell's over plaintext ({@code -} without plaintext in the run). */
    private static String plainRatio(Result r, Cell c) {
        return plain(r, c).map(x -> String.format(Locale.ROOT, "%.2f", c.protocol().median() / x.protocol().median()))
                .orElse("-");
    }

    /** What TLS adds to the migration, in the path's measured RTTs ({@code -} without plaintext in the run). */
    private static String extraRtts(Result r, Cell c) {
        double rtt = r.path(c.rtt()).pathRtt().median();
        return plain(r, c).map(x -> String.format(Locale.ROOT, "%.2f", (c.protocol().median() - x.protocol().median()) / rtt))
                .orElse("-");
    }

    /** The same (path, link, links' kind, size) cell of the first strategy: what the ratios are taken against. */
    private Cell reference(Result r, Cell c) {
        String first = params.transfers().get(0).name();
        return r.cells().stream().filter(x -> x.rtt().equals(c.rtt()) && x.standby() == c.standby()
                && x.size() == c.size() && x.stateTransfer().equals(first) && x.link().equals(c.link()))
                .findFirst().orElseThrow();
    }

    private void chart(Result all) throws IOException {
        String firstLink = Variant.of(params.links()).get(0).label();
        Result r = new Result(all.cells().stream().filter(c -> c.link().equals(firstLink)).toList(), all.paths());
        List<Charts.Series> series = new ArrayList<>();
        int group = 0;
        for (Duration rtt : params.rtts()) {
            group++;
            String first = params.transfers().get(0).name();
            List<Cell> cs = r.cells().stream().filter(c -> c.rtt().equals(rtt) && !c.standby()
                    && c.stateTransfer().equals(first)).toList();
            double[] x = cs.stream().mapToDouble(c -> c.size() / 1024.0).toArray();
            double[] y = cs.stream().mapToDouble(c -> c.protocol().median()).toArray();
            series.add(new Charts.Series("M-TCP migration, " + pathName(rtt) + " (median)", x, y, true, group));
            double[] ys = r.cells().stream().filter(c -> c.rtt().equals(rtt) && c.standby()
                    && c.stateTransfer().equals(first)).mapToDouble(c -> c.protocol().median()).toArray();
            for (StateTransfer other : params.transfers().subList(1, params.transfers().size())) {
                double[] yo = r.cells().stream().filter(c -> c.rtt().equals(rtt) && !c.standby()
                        && c.stateTransfer().equals(other.name())).mapToDouble(c -> c.protocol().median()).toArray();
                series.add(new Charts.Series(other.name() + ", " + pathName(rtt) + " (median)", x, yo, true, group,
                        Charts.Style.DOTTED));
            }
            series.add(new Charts.Series("with a standby link, " + pathName(rtt) + " (median)", x, ys, true, group,
                    Charts.Style.DASHED));
            double[] p90 = cs.stream().mapToDouble(c -> c.protocol().p90()).toArray();
            series.add(new Charts.Series("p90, " + pathName(rtt), x, p90, false, group, Charts.Style.DASHED));
            double lb = r.path(rtt).lowerBound().median();
            series.add(new Charts.Series("TCP handshake + 1 RTT, " + pathName(rtt), x,
                    Arrays.stream(x).map(v -> lb).toArray(), false, group, Charts.Style.DOTTED));
        }
        // The paper gives one number of its Figure 6 in the text: 387 us at 0 KB (kernel M-TCP,
        // 100 Mb/s Ethernet, 150 us RTT); the rest of its curve is only in the image.
        series.add(new Charts.Series("paper: 387 us at 0 KB (kernel, 150 us RTT)", new double[] {0}, new double[] {387},
                true, 7, Charts.Style.SOLID));
        Charts.lines(params.out().resolve("migration.png"),
                "Time to complete a migration (paper Figure 6)", "snapshot size (KB)",
                "time at the client (us)", series);
    }

    /** The short table for stdout. */
    public Table table(Result r) {
        String first = params.transfers().get(0).name();
        Table t = new Table("path", "link", "over", "state transfer", "snapshot", "median us", "p90 us", "p99 us",
                "median RTTs", "lazy part us", "x " + first, "x plain", "+RTTs vs plain", "CPU us/migration", "resumed");
        for (Cell c : r.cells()) {
            PathRef p = r.path(c.rtt());
            t.row(pathName(c.rtt()), c.standby() ? "standby" : "cold", c.link(), c.stateTransfer(),
                    ValueSyntax.formatByteSize(c.size()),
                    f0(c.protocol().median()), f0(c.protocol().p90()),
                    f0(c.protocol().p99()), String.format(Locale.ROOT, "%.1f", c.protocol().median() / p.pathRtt().median()),
                    f0(c.protocol().median() - p.lowerBound().median()),
                    String.format(Locale.ROOT, "%.2f", c.protocol().median() / reference(r, c).protocol().median()),
                    plainRatio(r, c), extraRtts(r, c), f0(c.cpuMicrosPerMigration()),
                    Double.isNaN(c.resumedFraction()) ? "-" : String.format(Locale.ROOT, "%.2f", c.resumedFraction()));
        }
        for (PathRef p : r.paths()) {
            t.row(pathName(p.rtt()), "", "", "", "RTT", f0(p.pathRtt().median()), f0(p.pathRtt().p90()),
                    f0(p.pathRtt().p99()), "1.0", "", "", "", "", "", "");
            t.row(pathName(p.rtt()), "", "", "", "conn+1RTT", f0(p.lowerBound().median()), f0(p.lowerBound().p90()),
                    f0(p.lowerBound().p99()),
                    String.format(Locale.ROOT, "%.1f", p.lowerBound().median() / p.pathRtt().median()), "", "", "", "", "",
                    "");
        }
        return t;
    }

    static String f0(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
