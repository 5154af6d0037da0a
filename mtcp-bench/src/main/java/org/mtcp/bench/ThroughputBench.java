package org.mtcp.bench;

import org.mtcp.core.ValueSyntax;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.FrameCounts;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.core.MtcpSocket;
import org.mtcp.core.ServerOptions;

/**
 * Bulk transfer, server to client on loopback, over M-TCP and over a plain TCP socket in the same
 * JVM and the same run, alternating: MB/s, the ratio, and the CPU time of the whole process
 * (both ends, every thread, the GC) per GB moved. The M-TCP server exports an 8-byte snapshot
 * (its position) every {@code snapshotEvery} bytes, as a streaming server would; the client
 * never migrates, so this is the cost of migratability, not of migrations.
 */
public final class ThroughputBench {

    public record Params(long size, int runs, int buffer, long snapshotEvery, Path out) {}

    /** Per transport: MB/s and CPU seconds per GB of every run. */
    public record Transport(String name, double[] mbPerSecond, double[] cpuSecondsPerGb, double[] gcMsPerGb) {}

    /**
     * M-TCP frames per MB moved, each way, over the measured M-TCP transfers (from the transport's
     * internal counters: both ends run in this JVM). The bulk goes server to client: its DATA
     * frames and the client's ACKs are the ones that matter; ACKs are coalesced (issue 12).
     */
    public record Frames(double dataPerMbToClient, double ackPerMbToServer, double dataPerMbToServer,
            double ackPerMbToClient) {}

    public record Result(Transport tcp, Transport mtcp, Frames frames) {
        public double ratio() {
            return new Stats(mtcp.mbPerSecond).median() / new Stats(tcp.mbPerSecond).median();
        }
    }

    private final Params p;
    private final Progress progress;
    private final byte[] data;
    private final FrameCount frames = new FrameCount();

    /** Frames of the measured M-TCP transfers only (the warm-up and plain TCP are not counted). */
    private static final class FrameCount {
        private long dataToClient;
        private long ackToServer;
        private long dataToServer;
        private long ackToClient;

        Sample counting(SampleRun run) throws IOException {
            long[] before = snapshot();
            Sample s = run.run();
            long[] after = snapshot();
            dataToClient += after[0] - before[0];
            ackToServer += after[1] - before[1];
            dataToServer += after[2] - before[2];
            ackToClient += after[3] - before[3];
            return s;
        }

        private static long[] snapshot() {
            FrameCounts client = FrameCounts.clientEnds();
            FrameCounts server = FrameCounts.serverEnds();
            return new long[] {server.dataSent(), client.ackSent(), client.dataSent(), server.ackSent()};
        }

        Frames perMb(double mb) {
            return new Frames(dataToClient / mb, ackToServer / mb, dataToServer / mb, ackToClient / mb);
        }
    }

    private interface SampleRun {
        Sample run() throws IOException;
    }

    public ThroughputBench(Params params, Progress progress) {
        this.p = params;
        this.progress = progress;
        data = new byte[params.buffer()];
        new Random(7).nextBytes(data);
    }

    private record Sample(double seconds, double cpuSeconds, double gcMs) {}

    public Result run() throws IOException {
        double[][] tcp = new double[3][p.runs()];
        double[][] mtcp = new double[3][p.runs()];
        double gb = p.size() / 1e9;
        try (BenchPool pool = BenchPool.start(2, ServerOptions.defaults(), Duration.ZERO);
                Csv csv = new Csv(p.out().resolve("throughput.csv"),
                        List.of("transport", "run", "bytes", "seconds", "mb_per_s", "cpu_s", "cpu_s_per_gb", "gc_ms"))) {
            pool.serve(this::serveMtcp);
            progress.say("warm-up: one transfer each");
            tcpOnce();
            mtcpOnce(pool);
            for (int run = 0; run < p.runs(); run++) {
                for (int t = 0; t < 2; t++) {
                    boolean isTcp = (run + t) % 2 == 0; // alternate which goes first
                    Sample s = isTcp ? tcpOnce() : frames.counting(() -> mtcpOnce(pool));
                    double[][] into = isTcp ? tcp : mtcp;
                    into[0][run] = p.size() / 1e6 / s.seconds();
                    into[1][run] = s.cpuSeconds() / gb;
                    into[2][run] = s.gcMs() / gb;
                    String name = isTcp ? "tcp" : "m-tcp";
                    csv.row(name, run, p.size(), s.seconds(), into[0][run], s.cpuSeconds(), into[1][run], s.gcMs());
                    progress.say("run %d/%d %s: %.0f MB/s, %.2f CPU s/GB", run + 1, p.runs(), name,
                            into[0][run], into[1][run]);
                }
            }
            pool.checkApp();
        }
        Result r = new Result(new Transport("tcp", tcp[0], tcp[1], tcp[2]),
                new Transport("m-tcp", mtcp[0], mtcp[1], mtcp[2]), frames.perMb(p.size() * p.runs() / 1e6));
        write(r);
        return r;
    }

    private Sample measure(IoRun body) throws IOException {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long gc0 = gcMillis();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        body.run();
        long t1 = System.nanoTime();
        long cpu1 = os.getProcessCpuTime();
        return new Sample((t1 - t0) / 1e9, (cpu1 - cpu0) / 1e9, gcMillis() - gc0);
    }

    private static long gcMillis() {
        long ms = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, b.getCollectionTime());
        }
        return ms;
    }

    private interface IoRun {
        void run() throws IOException;
    }

    private Sample tcpOnce() throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofPlatform().daemon().name("bench-bulk-tcp").start(() -> {
                try (Socket s = listener.accept()) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    long left = p.size();
                    while (left > 0) {
                        int n = (int) Math.min(left, data.length);
                        out.write(data, 0, n);
                        left -= n;
                    }
                } catch (IOException e) {
                    // the client reports a short transfer
                }
            });
            try {
                return measure(() -> {
                    try (Socket s = new Socket()) {
                        s.setTcpNoDelay(true);
                        s.connect(listener.getLocalSocketAddress(), 5000);
                        drain(s.getInputStream());
                    }
                });
            } finally {
                server.interrupt();
            }
        }
    }

    private Sample mtcpOnce(BenchPool pool) throws IOException {
        return measure(() -> {
            try (MtcpSocket s = MtcpSocket.connect(pool.clientAddresses(), ClientOptions.defaults())) {
                drain(s.getInputStream());
            }
        });
    }

    private void serveMtcp(MtcpServerConnection c) throws IOException {
        long pos = c.migrated() ? ByteBuffer.wrap(c.importState()).getLong() : 0;
        OutputStream out = c.getOutputStream();
        byte[] snap = new byte[8];
        long nextSnap = pos + p.snapshotEvery();
        while (pos < p.size()) {
            int n = (int) Math.min(p.size() - pos, data.length);
            n = (int) Math.min(n, nextSnap - pos);
            out.write(data, 0, n);
            pos += n;
            if (pos == nextSnap) {
                ByteBuffer.wrap(snap).putLong(0, pos);
                c.exportState(snap);
                nextSnap += p.snapshotEvery();
            }
        }
        c.close();
    }

    private void drain(InputStream in) throws IOException {
        byte[] buf = new byte[p.buffer()];
        long got = 0;
        while (got < p.size()) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("transfer ended after " + got + " of " + p.size() + " bytes");
            }
            got += n;
        }
    }

    private void write(Result r) throws IOException {
        try (Csv csv = new Csv(p.out().resolve("throughput-summary.csv"),
                List.of("transport", "runs", "mb_per_s_median", "mb_per_s_min", "mb_per_s_max",
                        "cpu_s_per_gb_median", "gc_ms_per_gb_median", "ratio_to_tcp"))) {
            for (Transport t : List.of(r.tcp(), r.mtcp())) {
                Stats s = new Stats(t.mbPerSecond());
                csv.row(t.name(), s.count(), s.median(), s.min(), s.max(), new Stats(t.cpuSecondsPerGb()).median(),
                        new Stats(t.gcMsPerGb()).median(), s.median() / new Stats(r.tcp().mbPerSecond()).median());
            }
        }
        try (Csv csv = new Csv(p.out().resolve("throughput-frames.csv"),
                List.of("direction", "data_frames_per_mb", "ack_frames_per_mb"))) {
            Frames fr = r.frames();
            csv.row("server-to-client", fr.dataPerMbToClient(), fr.ackPerMbToClient());
            csv.row("client-to-server", fr.dataPerMbToServer(), fr.ackPerMbToServer());
        }
        Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
        Map<String, Double> rate = new LinkedHashMap<>();
        rate.put("tcp", new Stats(r.tcp().mbPerSecond()).median());
        rate.put("m-tcp", new Stats(r.mtcp().mbPerSecond()).median());
        bars.put("MB/s (median)", rate);
        Map<String, Double> cpu = new LinkedHashMap<>();
        cpu.put("tcp", 100 * new Stats(r.tcp().cpuSecondsPerGb()).median());
        cpu.put("m-tcp", 100 * new Stats(r.mtcp().cpuSecondsPerGb()).median());
        bars.put("CPU per GB (centiseconds)", cpu);
        Charts.bars(p.out().resolve("throughput.png"),
                "Bulk transfer on loopback, " + ValueSyntax.formatByteSize(p.size()) + " per run", "", "", bars);
    }

    public static Table table(Result r) {
        Table t = new Table("transport", "MB/s median", "min", "max", "CPU s/GB", "GC ms/GB", "x tcp",
                "frames/MB to client: DATA, ACK", "frames/MB to server: DATA, ACK");
        for (Transport tr : new ArrayList<>(List.of(r.tcp(), r.mtcp()))) {
            Stats s = new Stats(tr.mbPerSecond());
            boolean mtcp = tr == r.mtcp();
            Frames fr = r.frames();
            t.row(tr.name(), f(s.median(), 0), f(s.min(), 0), f(s.max(), 0), f(new Stats(tr.cpuSecondsPerGb()).median(), 2),
                    f(new Stats(tr.gcMsPerGb()).median(), 0),
                    f(s.median() / new Stats(r.tcp().mbPerSecond()).median(), 2),
                    mtcp ? f(fr.dataPerMbToClient(), 2) + ", " + f(fr.ackPerMbToClient(), 2) : "-",
                    mtcp ? f(fr.dataPerMbToServer(), 2) + ", " + f(fr.ackPerMbToServer(), 2) : "-");
        }
        return t;
    }

    private static String f(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
