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
            List<StateTransfer> transfers, Path out) {
        public Params {
            transfers = Strategies.requireDistinct(transfers);
        }

        /** The previous form: lazy transfer only. */
        public Params(List<Integer> sizes, int runs, int warmup, List<Duration> rtts, BenchPool.Paths delayed, Path out) {
            this(sizes, runs, warmup, rtts, delayed, List.of(StateTransfer.lazy()), out);
        }
    }

    /**
     * One (path, link, size) cell of the result, in microseconds; {@code standby}: the client kept
     * a standby link to the next server ({@link ClientOptions#withStandby}), so no TCP handshake.
     */
    public record Cell(Duration rtt, boolean standby, String stateTransfer, int size, Stats protocol, Stats call) {}

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
                List.of("path", "state_transfer", "rtt_us", "size_bytes", "run", "protocol_us", "call_us"))) {
            progress.say("state transfer: %s", Strategies.names(params.transfers()));
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

    /** One (path, link): a pool and a connection per strategy, migrated in turn. */
    private List<Cell> measure(Duration rtt, boolean standby, ServerOptions options, Csv raw) throws IOException {
        String path = pathName(rtt);
        String link = standby ? "standby" : "cold";
        List<StateTransfer> transfers = params.transfers();
        int strategies = transfers.size();
        int sizes = params.sizes().size();
        long[][][] protocol = new long[strategies][sizes][params.runs()];
        long[][][] call = new long[strategies][sizes][params.runs()];
        ClientOptions co = ClientOptions.defaults().withConnectTimeout(Duration.ofSeconds(10)).withStandby(standby);
        int servers = Strategies.poolSize(transfers, 2);
        List<BenchPool> pools = new ArrayList<>();
        List<MtcpSocket> sockets = new ArrayList<>();
        try {
            for (StateTransfer t : transfers) {
                BenchPool pool = BenchPool.start(servers, options.withStateTransfer(t), rtt, params.delayed());
                pools.add(pool);
                pool.serve(app());
                sockets.add(MtcpSocket.connect(pool.clientAddresses(), co));
            }
            List<DataOutputStream> outs = new ArrayList<>();
            for (MtcpSocket s : sockets) {
                outs.add(new DataOutputStream(s.getOutputStream()));
            }
            for (int j = 0; j < strategies; j++) {
                for (int i = 0; i < params.warmup(); i++) {
                    migrateOnce(sockets.get(j), outs.get(j), sockets.get(j).getInputStream(),
                            params.sizes().get(i % sizes), standby);
                    progress.count("path " + path + " " + link + " " + transfers.get(j).name() + ": warm-up", i + 1,
                            params.warmup());
                }
            }
            long total = (long) params.runs() * sizes * strategies;
            long done = 0;
            for (int run = 0; run < params.runs(); run++) {
                for (int n = 0; n < strategies; n++) {
                    int j = (run + n) % strategies; // rotate which goes first
                    MtcpSocket s = sockets.get(j);
                    for (int k = 0; k < sizes; k++) {
                        int size = params.sizes().get(k);
                        long[] r = migrateOnce(s, outs.get(j), s.getInputStream(), size, standby);
                        protocol[j][k][run] = r[0];
                        call[j][k][run] = r[1];
                        raw.row(path + (standby ? "+standby" : ""), transfers.get(j).name(), rtt.toNanos() / 1000, size,
                                run, r[0], r[1]);
                        progress.count("path " + path + " " + link + ": migrations", ++done, total);
                    }
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
        } finally {
            for (MtcpSocket s : sockets) {
                s.close();
            }
            for (BenchPool pool : pools) {
                pool.close();
            }
        }
        List<Cell> cells = new ArrayList<>();
        for (int j = 0; j < strategies; j++) {
            BenchPool pool = pools.get(j);
            if (pool.controlConnections() >= 0) {
                progress.say("path %s %s: %d control connection(s) opened for %d migrations", path,
                        transfers.get(j).name(), pool.controlConnections(),
                        params.warmup() + params.runs() * sizes);
            }
            for (int k = 0; k < sizes; k++) {
                cells.add(new Cell(rtt, standby, transfers.get(j).name(), params.sizes().get(k), Stats.of(protocol[j][k]),
                        Stats.of(call[j][k])));
            }
        }
        return cells;
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
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (s.standbyServer().isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("no standby link open within 5 s");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000); // polling a server counter
            }
        }
        long t0 = System.nanoTime();
        MigrationEvent e = s.migrate();
        long callMicros = (System.nanoTime() - t0) / 1000;
        if (!e.succeeded()) {
            throw new IOException("migration from " + e.from() + " failed: " + e.error());
        }
        return new long[] {e.micros(), callMicros};
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
                        "ratio_to_first_strategy"))) {
            for (Cell c : r.cells()) {
                PathRef p = r.path(c.rtt());
                csv.row(pathName(c.rtt()) + (c.standby() ? "+standby" : ""), c.stateTransfer(), c.rtt().toNanos() / 1000,
                        p.pathRtt().median(), p.lowerBound().median(),
                        c.size(), c.protocol().count(), c.protocol().median(), c.protocol().p90(), c.protocol().p99(),
                        c.protocol().median() / p.pathRtt().median(),
                        c.protocol().median() - p.lowerBound().median(), c.call().median(),
                        c.protocol().median() / reference(r, c).protocol().median());
            }
        }
    }

    /** The same (path, link, size) cell of the first strategy: what the ratios are taken against. */
    private Cell reference(Result r, Cell c) {
        String first = params.transfers().get(0).name();
        return r.cells().stream().filter(x -> x.rtt().equals(c.rtt()) && x.standby() == c.standby()
                && x.size() == c.size() && x.stateTransfer().equals(first)).findFirst().orElseThrow();
    }

    private void chart(Result r) throws IOException {
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
        Table t = new Table("path", "link", "state transfer", "snapshot", "median us", "p90 us", "p99 us", "median RTTs",
                "lazy part us", "x " + first);
        for (Cell c : r.cells()) {
            PathRef p = r.path(c.rtt());
            t.row(pathName(c.rtt()), c.standby() ? "standby" : "cold", c.stateTransfer(), ValueSyntax.formatByteSize(c.size()),
                    f0(c.protocol().median()), f0(c.protocol().p90()),
                    f0(c.protocol().p99()), String.format(Locale.ROOT, "%.1f", c.protocol().median() / p.pathRtt().median()),
                    f0(c.protocol().median() - p.lowerBound().median()),
                    String.format(Locale.ROOT, "%.2f", c.protocol().median() / reference(r, c).protocol().median()));
        }
        for (PathRef p : r.paths()) {
            t.row(pathName(p.rtt()), "", "", "RTT", f0(p.pathRtt().median()), f0(p.pathRtt().p90()), f0(p.pathRtt().p99()),
                    "1.0", "", "");
            t.row(pathName(p.rtt()), "", "", "conn+1RTT", f0(p.lowerBound().median()), f0(p.lowerBound().p90()),
                    f0(p.lowerBound().p99()),
                    String.format(Locale.ROOT, "%.1f", p.lowerBound().median() / p.pathRtt().median()), "", "");
        }
        return t;
    }

    static String f0(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
