package org.mtcp.bench;

import org.mtcp.core.ValueSyntax;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.core.MtcpSocket;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.policy.Policies;

/**
 * The paper's Figure 7: a stream of {@code total} bytes sent in {@code chunk}-byte chunks at
 * regular intervals by servers whose performance degrades after {@code degradeAfter} bytes on a
 * connection (each further chunk waits {@code step} longer than the previous one, up to
 * {@code max}); bytes received by the client over time.
 *
 * <p>Cases: plain TCP from a server that never degrades (the ideal), plain TCP from a degrading
 * server (no migration), and M-TCP over a pool of two degrading servers with the client's
 * inbound-rate policy, for each snapshot size: after every chunk the server exports a snapshot
 * of that size recording its position. A server that takes the connection over starts again at
 * full speed (the degradation counts bytes sent on the connection since that server got it).
 */
public final class StreamBench {

    public record Params(long total, int chunk, Duration interval, long degradeAfter, Duration step, Duration max,
            List<Integer> snapshotSizes, String policy, Duration cooldown, Duration rtt, int runs, Path out,
            boolean standby) {

        /** Without a standby link. */
        public Params(long total, int chunk, Duration interval, long degradeAfter, Duration step, Duration max,
                List<Integer> snapshotSizes, String policy, Duration cooldown, Duration rtt, int runs, Path out) {
            this(total, chunk, interval, degradeAfter, step, max, snapshotSizes, policy, cooldown, rtt, runs, out, false);
        }
    }

    /** One case: its completion times (ms) over the runs, and the trace of the median run. */
    public record Case(String name, double[] completionMs, List<double[]> trace, List<String[]> migrations,
            int[] migrationCounts) {
        public double medianMs() {
            return new Stats(completionMs).median();
        }

        public double medianMigrations() {
            return new Stats(Arrays.stream(migrationCounts).asDoubleStream().toArray()).median();
        }
    }

    public record Result(List<Case> cases) {
        public Case ideal() {
            return cases.get(0);
        }
    }

    private record Run(double completionMs, List<double[]> trace, List<String[]> migrations) {}

    private final Params p;
    private final Progress progress;

    public StreamBench(Params params, Progress progress) {
        this.p = params;
        this.progress = progress;
        Policies.parse(params.policy()); // fail early on a bad spec
        if (params.total() % params.chunk() != 0) {
            throw new IllegalArgumentException("the stream length must be a multiple of the chunk size");
        }
    }

    public Result run() throws IOException {
        progress.say("warm-up: one stream over each transport (not measured)");
        tcpRun(Long.MAX_VALUE);
        mtcpRun(p.snapshotSizes().isEmpty() ? 0 : p.snapshotSizes().get(0));
        List<Case> cases = new ArrayList<>();
        cases.add(runCase("tcp never degrading", () -> tcpRun(Long.MAX_VALUE)));
        cases.add(runCase("tcp", () -> tcpRun(p.degradeAfter())));
        for (int size : p.snapshotSizes()) {
            cases.add(runCase("m-tcp " + ValueSyntax.formatByteSize(size) + " snapshots", () -> mtcpRun(size)));
        }
        Result r = new Result(cases);
        write(r);
        return r;
    }

    private interface RunFn {
        Run run() throws IOException;
    }

    private Case runCase(String name, RunFn fn) throws IOException {
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < p.runs(); i++) {
            Run r = fn.run();
            runs.add(r);
            progress.say("%s: run %d/%d: %.0f ms, %d migration(s)", name, i + 1, p.runs(), r.completionMs(),
                    r.migrations().size());
        }
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> Double.compare(a.completionMs(), b.completionMs()));
        Run median = sorted.get((sorted.size() - 1) / 2);
        return new Case(name, runs.stream().mapToDouble(Run::completionMs).toArray(), median.trace(),
                median.migrations(), runs.stream().mapToInt(r -> r.migrations().size()).toArray());
    }

    // ------------------------------------------------------------------ servers

    /** The byte at stream offset {@code i}: deterministic, so every server regenerates the same. */
    static byte content(long i) {
        return (byte) (i * 31 + (i >>> 10));
    }

    /** Sends from {@code pos} on; {@code afterChunk} runs after each chunk (the snapshot). */
    private void send(OutputStream out, long pos, long degradeAfter, ChunkHook afterChunk) throws IOException {
        byte[] buf = new byte[p.chunk()];
        long sentHere = 0;
        int slow = 0;
        long due = System.nanoTime();
        while (pos < p.total()) {
            long delay = p.interval().toNanos();
            if (sentHere >= degradeAfter) {
                delay = Math.min(delay + ++slow * p.step().toNanos(), Math.max(delay, p.max().toNanos()));
            }
            due += delay;
            long now = System.nanoTime();
            if (now - due > delay) {
                due = now; // far behind (a pause): no burst to catch up
            }
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(due - now);
            }
            for (int i = 0; i < buf.length; i++) {
                buf[i] = content(pos + i);
            }
            out.write(buf);
            out.flush();
            pos += buf.length;
            sentHere += buf.length;
            afterChunk.done(pos);
        }
    }

    private interface ChunkHook {
        void done(long pos) throws IOException;
    }

    private Run tcpRun(long degradeAfter) throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofPlatform().daemon().name("bench-stream-tcp").start(() -> {
                try (Socket s = listener.accept()) {
                    s.setTcpNoDelay(true);
                    send(s.getOutputStream(), 0, degradeAfter, pos -> { });
                } catch (IOException e) {
                    // the client reports a short stream
                }
            });
            InetSocketAddress target = (InetSocketAddress) listener.getLocalSocketAddress();
            BenchPool proxyHolder = null;
            try {
                if (!p.rtt().isZero()) {
                    proxyHolder = BenchPool.start(1, ServerOptions.defaults(), Duration.ZERO);
                    target = proxyHolder.proxy(target, p.rtt().dividedBy(2)).address();
                }
                long t0 = System.nanoTime();
                try (Socket s = new Socket()) {
                    s.setTcpNoDelay(true);
                    s.connect(target, 5000);
                    return receive(s.getInputStream(), t0, Collections.synchronizedList(new ArrayList<>()));
                }
            } finally {
                if (proxyHolder != null) {
                    proxyHolder.close();
                }
                server.interrupt();
            }
        }
    }

    private Run mtcpRun(int snapshotSize) throws IOException {
        try (BenchPool pool = BenchPool.start(2, ServerOptions.defaults(), p.rtt())) {
            pool.serve(c -> serveMtcp(c, snapshotSize));
            ClientOptions options = ClientOptions.defaults()
                    .withPolicies(List.of(Policies.parse(p.policy())))
                    .withMigrationCooldown(p.cooldown())
                    .withStandby(p.standby());
            List<String[]> migrations = Collections.synchronizedList(new ArrayList<>());
            long t0 = System.nanoTime();
            try (MtcpSocket s = MtcpSocket.connect(pool.clientAddresses(), options)) {
                s.addMigrationListener(e -> migrations.add(new String[] {
                    fmt((System.nanoTime() - t0) / 1e6), e.from(), e.to(), Long.toString(e.micros()),
                    Boolean.toString(e.succeeded())}));
                Run r = receive(s.getInputStream(), t0, migrations);
                pool.checkApp();
                return r;
            }
        }
    }

    private void serveMtcp(MtcpServerConnection c, int snapshotSize) throws IOException {
        long pos = 0;
        if (c.migrated()) {
            pos = ByteBuffer.wrap(c.importState()).getLong();
        }
        byte[] snap = new byte[Math.max(8, snapshotSize)];
        send(c.getOutputStream(), pos, p.degradeAfter(), at -> {
            ByteBuffer.wrap(snap).putLong(0, at);
            c.exportState(snap);
        });
        c.close();
    }

    private Run receive(InputStream in, long t0, List<String[]> migrations) throws IOException {
        List<double[]> trace = new ArrayList<>();
        trace.add(new double[] {0, 0});
        byte[] buf = new byte[64 * 1024];
        long received = 0;
        while (received < p.total()) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("stream ended after " + received + " of " + p.total() + " bytes");
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] != content(received + i)) {
                    throw new IOException("wrong byte at offset " + (received + i));
                }
            }
            received += n;
            trace.add(new double[] {(System.nanoTime() - t0) / 1e6, received});
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        return new Run(ms, trace, new ArrayList<>(migrations));
    }

    // ------------------------------------------------------------------ output

    private void write(Result r) throws IOException {
        try (Csv csv = new Csv(p.out().resolve("stream.csv"), List.of("series", "t_ms", "bytes"))) {
            for (Case c : r.cases()) {
                for (double[] pt : c.trace()) {
                    csv.row(c.name(), pt[0], (long) pt[1]);
                }
            }
        }
        try (Csv csv = new Csv(p.out().resolve("stream-migrations.csv"),
                List.of("series", "t_ms", "from", "to", "micros", "succeeded"))) {
            for (Case c : r.cases()) {
                for (String[] m : c.migrations()) {
                    csv.row(c.name(), m[0], m[1], m[2], m[3], m[4]);
                }
            }
        }
        double ideal = r.ideal().medianMs();
        try (Csv csv = new Csv(p.out().resolve("stream-summary.csv"),
                List.of("series", "runs", "completion_median_ms", "completion_min_ms", "completion_max_ms",
                        "ratio_to_ideal", "migrations_median"))) {
            for (Case c : r.cases()) {
                Stats s = new Stats(c.completionMs());
                csv.row(c.name(), s.count(), s.median(), s.min(), s.max(), s.median() / ideal, c.medianMigrations());
            }
        }
        List<Charts.Series> series = new ArrayList<>();
        int group = 0;
        for (Case c : r.cases()) {
            double[] x = c.trace().stream().mapToDouble(pt -> pt[0] / 1000).toArray();
            double[] y = c.trace().stream().mapToDouble(pt -> pt[1] / 1024).toArray();
            series.add(new Charts.Series(c.name(), x, y, false, group++));
        }
        Charts.lines(p.out().resolve("stream.png"),
                "Stream from servers degrading after " + ValueSyntax.formatByteSize(p.degradeAfter()) + " (paper Figure 7)",
                "time (s)", "KB received", series);
    }

    public static Table table(Result r) {
        double ideal = r.ideal().medianMs();
        Table t = new Table("series", "completion ms", "x ideal", "migrations");
        for (Case c : r.cases()) {
            t.row(c.name(), fmt(c.medianMs()), String.format(Locale.ROOT, "%.2f", c.medianMs() / ideal),
                    String.format(Locale.ROOT, "%.0f", c.medianMigrations()));
        }
        return t;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
