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
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.testkit.TestPki;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLSocket;

/**
 * Bulk transfer, server to client on loopback, over M-TCP and over a plain TCP socket in the same
 * JVM and the same run, alternating: MB/s, the ratio, and the CPU time of the whole process
 * (both ends, every thread, the GC) per GB moved. The M-TCP server exports an 8-byte snapshot
 * (its position) every {@code snapshotEvery} bytes, as a streaming server would; the client
 * never migrates, so this is the cost of migratability, not of migrations.
 *
 * <p>With several state transfer strategies ({@code transfers}), each gets a pool of its own and
 * an M-TCP transport of its own ({@code m-tcp/replicated(1)}), in the same alternation: the cost
 * of replicating every export, within one run. With lazy transfer alone the transport is {@code
 * m-tcp}, as before.
 */
public final class ThroughputBench {

    /** @param warmup unmeasured transfers per transport before the measured ones (at least 1) */
    public record Params(long size, int runs, int warmup, int buffer, long snapshotEvery, List<StateTransfer> transfers,
            List<Link> links, Path out) {
        public Params {
            transfers = Strategies.requireDistinct(transfers);
            links = Link.requireDistinct(links);
            if (warmup < 1) {
                throw new IllegalArgumentException("at least one warm-up transfer");
            }
        }

        /** Plaintext links only, one warm-up transfer. */
        public Params(long size, int runs, int buffer, long snapshotEvery, List<StateTransfer> transfers, Path out) {
            this(size, runs, 1, buffer, snapshotEvery, transfers, List.of(Link.PLAIN), out);
        }

        /** The previous form: lazy transfer only. */
        public Params(long size, int runs, int buffer, long snapshotEvery, Path out) {
            this(size, runs, buffer, snapshotEvery, List.of(StateTransfer.lazy()), out);
        }
    }

    /**
     * Per transport: MB/s and CPU seconds per GB of every run; {@code stateTransfer} is {@code -} for
     * plain TCP.
     */
    public record Transport(String name, String stateTransfer, Link link, double[] mbPerSecond,
            double[] cpuSecondsPerGb, double[] gcMsPerGb, Frames frames) {}

    /**
     * M-TCP frames per MB moved, each way, over the measured M-TCP transfers (from the transport's
     * internal counters: both ends run in this JVM). The bulk goes server to client: its DATA
     * frames and the client's ACKs are the ones that matter; ACKs are coalesced (issue 12).
     */
    public record Frames(double dataPerMbToClient, double ackPerMbToServer, double dataPerMbToServer,
            double ackPerMbToClient) {}

    /**
     * {@code tcp}: plain TCP; {@code tls}: plain TLS over TCP (null unless TLS was measured);
     * {@code mtcp}: one transport per (link, strategy), links in the order given, strategies in the
     * order given within each (the first strategy is the reference of its link).
     */
    public record Result(Transport tcp, Transport tls, List<Transport> mtcp) {
        public double ratio() {
            return median(mtcp.get(0)) / median(tcp);
        }

        static double median(Transport t) {
            return new Stats(t.mbPerSecond()).median();
        }

        static double medianCpu(Transport t) {
            return new Stats(t.cpuSecondsPerGb()).median();
        }

        /** What an M-TCP transport is compared with: plain TCP, or plain TLS over TCP. */
        Transport baseline(Transport t) {
            return t.link() == Link.TLS && tls != null ? tls : tcp;
        }

        /** The first strategy's M-TCP transport over the same link. */
        Transport firstStrategy(Transport t) {
            return mtcp.stream().filter(x -> x.link() == t.link()).findFirst().orElseThrow();
        }

        List<Transport> all() {
            List<Transport> all = new ArrayList<>(List.of(tcp));
            if (tls != null) {
                all.add(tls);
            }
            all.addAll(mtcp);
            return all;
        }
    }

    private final Params p;
    private final Progress progress;
    private final byte[] data;

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

    /** One transport of the alternation: a name, what it measures, and how one transfer runs. */
    private record Runner(String name, String stateTransfer, Link link, SampleRun once, FrameCount frames) {}

    public Result run() throws IOException {
        List<StateTransfer> transfers = p.transfers();
        List<Runner> runners = new ArrayList<>();
        runners.add(new Runner("tcp", "-", Link.PLAIN, this::tcpOnce, null));
        PlainTls plainTls = p.links().contains(Link.TLS) ? new PlainTls() : null;
        if (plainTls != null) {
            runners.add(new Runner("tls", "-", Link.TLS, () -> tlsOnce(plainTls), null));
        }
        double gb = p.size() / 1e9;
        List<BenchPool> pools = new ArrayList<>();
        try (Csv csv = new Csv(p.out().resolve("throughput.csv"), List.of("transport", "state_transfer", "run", "bytes",
                "seconds", "mb_per_s", "cpu_s", "cpu_s_per_gb", "gc_ms", "link"))) {
            int servers = Strategies.poolSize(transfers, 2);
            for (Link link : p.links()) {
                for (StateTransfer t : transfers) {
                    BenchPool pool = BenchPool.start(servers, ServerOptions.defaults().withStateTransfer(t), Duration.ZERO,
                            BenchPool.Paths.BOTH, link);
                    pools.add(pool);
                    pool.serve(this::serveMtcp);
                    FrameCount frames = new FrameCount();
                    runners.add(new Runner(transportName(t, link), t.name(), link,
                            () -> frames.counting(() -> mtcpOnce(pool)), frames));
                }
            }
            int transports = runners.size();
            double[][][] samples = new double[transports][3][p.runs()];
            progress.say("state transfer: %s; links: %s; %s per transfer, snapshot every %s", Strategies.names(transfers),
                    String.join(", ", p.links().stream().map(Link::label).toList()),
                    ValueSyntax.formatByteSize(p.size()), ValueSyntax.formatByteSize(p.snapshotEvery()));
            progress.say("warm-up: %d transfer(s) each", p.warmup());
            for (int w = 0; w < p.warmup(); w++) {
                tcpOnce();
                if (plainTls != null) {
                    tlsOnce(plainTls);
                }
                for (BenchPool pool : pools) {
                    mtcpOnce(pool);
                }
            }
            if (plainTls != null) {
                progress.say("TLS: %s, %s (plain TLS and M-TCP over TLS alike: the JDK's choice)",
                        plainTls.protocol, plainTls.cipherSuite);
            }
            for (int run = 0; run < p.runs(); run++) {
                for (int k = 0; k < transports; k++) {
                    int t = (run + k) % transports; // rotate which goes first
                    Runner runner = runners.get(t);
                    Sample s = runner.once().run();
                    double[][] into = samples[t];
                    into[0][run] = p.size() / 1e6 / s.seconds();
                    into[1][run] = s.cpuSeconds() / gb;
                    into[2][run] = s.gcMs() / gb;
                    csv.row(runner.name(), runner.stateTransfer(), run, p.size(), s.seconds(), into[0][run],
                            s.cpuSeconds(), into[1][run], s.gcMs(), runner.link().label());
                    progress.say("run %d/%d %s: %.0f MB/s, %.2f CPU s/GB", run + 1, p.runs(), runner.name(),
                            into[0][run], into[1][run]);
                }
            }
            for (BenchPool pool : pools) {
                pool.checkApp();
            }
            double mb = p.size() * p.runs() / 1e6;
            Transport tcp = null;
            Transport tls = null;
            List<Transport> mtcp = new ArrayList<>();
            for (int i = 0; i < transports; i++) {
                Runner rn = runners.get(i);
                double[][] x = samples[i];
                Transport tr = new Transport(rn.name(), rn.stateTransfer(), rn.link(), x[0], x[1], x[2],
                        rn.frames() == null ? null : rn.frames().perMb(mb));
                switch (rn.name()) {
                    case "tcp" -> tcp = tr;
                    case "tls" -> tls = tr;
                    default -> mtcp.add(tr);
                }
            }
            Result r = new Result(tcp, tls, mtcp);
            write(r, plainTls);
            return r;
        } finally {
            for (BenchPool pool : pools) {
                pool.close();
            }
        }
    }

    /** {@code m-tcp} (or {@code m-tcp/replicated(1)} with several strategies), {@code +tls} over TLS. */
    private String transportName(StateTransfer t, Link link) {
        return transportName(t) + (link == Link.TLS ? "+tls" : "");
    }

    /** {@code m-tcp} with lazy transfer (the name of before), {@code m-tcp/replicated(1)} otherwise. */
    private String transportName(StateTransfer t) {
        boolean onlyLazy = p.transfers().size() == 1 && t.name().equals(StateTransfer.lazy().name());
        return onlyLazy ? "m-tcp" : "m-tcp/" + t.name();
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

    /**
     * Plain TLS over TCP, the baseline of M-TCP over TLS: the same bulk path as {@link #tcpOnce}
     * over an {@link SSLSocket} pair made with {@link TlsConfig} (TLS 1.3, the cipher suite the JDK
     * picks, a server certificate of a throwaway CA, checked by the client with its host name).
     */
    private static final class PlainTls {
        private final TlsConfig server;
        private final TlsConfig client;
        volatile String cipherSuite = "?";
        volatile String protocol = "?";

        PlainTls() {
            TestPki pki = TestPki.create("bench-plain-tls");
            try {
                server = TlsConfig.of(pki.issue("localhost").keyStore(), TestPki.PASSWORD, pki.trustStore());
                client = TlsConfig.of(null, null, pki.trustStore());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the bench's TLS keys", e);
            }
        }
    }

    private Sample tlsOnce(PlainTls tls) throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofPlatform().daemon().name("bench-bulk-tls").start(() -> {
                try (Socket raw = listener.accept(); SSLSocket s = tls.server.server(raw, false)) {
                    raw.setTcpNoDelay(true);
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
                    Socket raw = new Socket();
                    raw.setTcpNoDelay(true);
                    raw.connect(listener.getLocalSocketAddress(), 5000);
                    try (SSLSocket s = tls.client.client(raw, "localhost", listener.getLocalPort())) {
                        s.startHandshake();
                        tls.cipherSuite = s.getSession().getCipherSuite();
                        tls.protocol = s.getSession().getProtocol();
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
            try (MtcpSocket s = MtcpSocket.connect(pool.clientAddresses(), pool.clientOptions(ClientOptions.defaults()))) {
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

    private void write(Result r, PlainTls plainTls) throws IOException {
        double tcp = Result.median(r.tcp());
        try (Csv csv = new Csv(p.out().resolve("throughput-summary.csv"),
                List.of("transport", "state_transfer", "runs", "mb_per_s_median", "mb_per_s_min", "mb_per_s_max",
                        "cpu_s_per_gb_median", "gc_ms_per_gb_median", "ratio_to_tcp", "ratio_to_first_strategy", "link",
                        "baseline", "mb_per_s_ratio_to_baseline", "cpu_per_gb_ratio_to_baseline", "tls_cipher_suite"))) {
            for (Transport t : r.all()) {
                Stats s = new Stats(t.mbPerSecond());
                boolean isMtcp = t.frames() != null;
                Transport base = r.baseline(t);
                csv.row(t.name(), t.stateTransfer(), s.count(), s.median(), s.min(), s.max(),
                        Result.medianCpu(t), new Stats(t.gcMsPerGb()).median(), s.median() / tcp,
                        isMtcp ? f(s.median() / Result.median(r.firstStrategy(t)), 3) : "-", t.link().label(),
                        isMtcp ? base.name() : "-", isMtcp ? f(s.median() / Result.median(base), 3) : "-",
                        isMtcp ? f(Result.medianCpu(t) / Result.medianCpu(base), 3) : "-",
                        t.link() == Link.TLS && plainTls != null ? plainTls.cipherSuite : "-");
            }
        }
        try (Csv csv = new Csv(p.out().resolve("throughput-frames.csv"),
                List.of("transport", "direction", "data_frames_per_mb", "ack_frames_per_mb"))) {
            for (Transport t : r.mtcp()) {
                Frames fr = t.frames();
                csv.row(t.name(), "server-to-client", fr.dataPerMbToClient(), fr.ackPerMbToClient());
                csv.row(t.name(), "client-to-server", fr.dataPerMbToServer(), fr.ackPerMbToServer());
            }
        }
        Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
        Map<String, Double> rate = new LinkedHashMap<>();
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (Transport t : r.all()) {
            rate.put(t.name(), Result.median(t));
            cpu.put(t.name(), 100 * new Stats(t.cpuSecondsPerGb()).median());
        }
        bars.put("MB/s (median)", rate);
        bars.put("CPU per GB (centiseconds)", cpu);
        Charts.bars(p.out().resolve("throughput.png"),
                "Bulk transfer on loopback, " + ValueSyntax.formatByteSize(p.size()) + " per run", "", "", bars);
    }

    /**
     * The short table: {@code baseline} is what an M-TCP transport is compared with, plain TCP for
     * M-TCP over plain links, plain TLS over TCP for M-TCP over TLS (the issue's target: at most
     * 1.3x its CPU per GB).
     */
    public static Table table(Result r) {
        Table t = new Table("transport", "MB/s median", "min", "max", "CPU s/GB", "GC ms/GB", "x tcp",
                "x " + r.mtcp().get(0).name(), "baseline", "MB/s x baseline", "CPU/GB x baseline",
                "frames/MB to client: DATA, ACK", "frames/MB to server: DATA, ACK");
        double tcp = Result.median(r.tcp());
        for (Transport tr : r.all()) {
            Stats s = new Stats(tr.mbPerSecond());
            Frames fr = tr.frames();
            Transport base = r.baseline(tr);
            t.row(tr.name(), f(s.median(), 0), f(s.min(), 0), f(s.max(), 0), f(Result.medianCpu(tr), 2),
                    f(new Stats(tr.gcMsPerGb()).median(), 0), f(s.median() / tcp, 2),
                    fr == null ? "-" : f(s.median() / Result.median(r.firstStrategy(tr)), 3),
                    fr == null ? "-" : base.name(),
                    fr == null ? "-" : f(s.median() / Result.median(base), 2),
                    fr == null ? "-" : f(Result.medianCpu(tr) / Result.medianCpu(base), 2),
                    fr == null ? "-" : f(fr.dataPerMbToClient(), 2) + ", " + f(fr.ackPerMbToClient(), 2),
                    fr == null ? "-" : f(fr.dataPerMbToServer(), 2) + ", " + f(fr.ackPerMbToServer(), 2));
        }
        return t;
    }

    private static String f(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
