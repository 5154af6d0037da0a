package org.mtcp.bench.failover;

import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.mtcp.bench.Csv;
import org.mtcp.bench.Link;
import org.mtcp.bench.Progress;
import org.mtcp.bench.Stats;
import org.mtcp.bench.Strategies;
import org.mtcp.bench.Table;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MtcpSocket;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.testkit.FreePorts;
import org.mtcp.testkit.TestPki;
import java.security.GeneralSecurityException;

/**
 * The client-visible gap when the server holding a connection dies (SIGKILL) or stops (SIGSTOP,
 * then SIGCONT), with real processes: {@code servers} {@link FailoverServer} processes on
 * loopback, one client in this JVM (default {@link ClientOptions}) reading a paced stream whose
 * every byte it checks. In each round the client opens a connection, asks for {@code
 * streamBytes}, and when it has read a random number of them (between 10% and 90%, from {@code
 * seed}) the process holding the connection gets the signal. The round ends with the stream's
 * end (every byte checked, in order, none missing or extra: {@code intact}) or with the error the
 * client's read threw (the expected outcome with lazy transfer). A killed server is restarted
 * (same name and ports, empty replica store) before the next round; a stopped one is continued
 * once the round is over.
 *
 * <p>Measured per round, on the client's clock: the <b>gap</b>, the longest pause between two
 * reads from the last read before the signal to the end of the stream (a paced stream otherwise
 * delivers a chunk every {@code chunk / rate} seconds); its parts from the client's {@link
 * MigrationEvent}: <b>detection</b> (signal to the start of the failover), <b>takeover</b> (the
 * event's own time: TCP connect to the new server, HELLO, the new server getting the state, up to
 * WELCOME) and <b>resume</b> (WELCOME to the next read that returns bytes).
 */
public final class FailoverBench {

    /** SIGKILL (Process.destroyForcibly) or SIGSTOP then SIGCONT. */
    public enum Signal { KILL, STOP }

    public record Params(int servers, int rounds, int stopRounds, int lazyRounds, List<Signal> signals,
            List<StateTransfer> transfers, long streamBytes, long rate, int chunk, long snapshotEvery, long seed,
            Duration hangLimit, ClientOptions client, Duration controlTimeout, Link link, Path out) {
        public Params {
            transfers = Strategies.requireDistinct(transfers);
            signals = List.copyOf(signals);
        }

        /** Plaintext links, chosen explicitly. */
        public Params(int servers, int rounds, int stopRounds, int lazyRounds, List<Signal> signals,
                List<StateTransfer> transfers, long streamBytes, long rate, int chunk, long snapshotEvery, long seed,
                Duration hangLimit, ClientOptions client, Duration controlTimeout, Path out) {
            this(servers, rounds, stopRounds, lazyRounds, signals, transfers, streamBytes, rate, chunk, snapshotEvery, seed,
                    hangLimit, client, controlTimeout, Link.PLAIN, out);
        }

        /** The client's options and the servers' control timeout at their defaults. */
        public Params(int servers, int rounds, int stopRounds, int lazyRounds, List<Signal> signals,
                List<StateTransfer> transfers, long streamBytes, long rate, int chunk, long snapshotEvery, long seed,
                Duration hangLimit, Path out) {
            this(servers, rounds, stopRounds, lazyRounds, signals, transfers, streamBytes, rate, chunk, snapshotEvery, seed,
                    hangLimit, ClientOptions.defaults(), ServerOptions.defaults().controlTimeout(), out);
        }

        /** Rounds of {@code signal} with {@code t}: strategies without replicas only show their error. */
        int rounds(StateTransfer t, Signal signal) {
            int n = signal == Signal.KILL ? rounds : stopRounds;
            return replicates(t) ? n : Math.min(n, lazyRounds);
        }
    }

    static boolean replicates(StateTransfer t) {
        return !t.name().equals(StateTransfer.lazy().name());
    }

    /**
     * One round. {@code outcome}: intact (every byte, after a failover), error (the client's read
     * failed: {@code error}), corrupt or short (a bug: {@code error} says where), hung (no byte for
     * the hang limit), missed (intact, but no failover happened: the signal came after the holder had
     * sent everything; nothing measured). Times in ms, NaN when not applicable.
     */
    public record Round(String stateTransfer, Signal signal, int round, long killAt, String holder, String newHolder,
            String outcome, double gapMs, double detectionMs, double takeoverMs, double resumeMs, int failovers,
            String error) {}

    public record Result(List<Round> rounds) {}

    private final Params p;
    private final Progress progress;
    private final String javaCommand = ProcessHandle.current().info().command().orElse(
            Path.of(System.getProperty("java.home"), "bin", "java").toString());

    public FailoverBench(Params params, Progress progress) {
        this.p = params;
        this.progress = progress;
    }

    public static final String HEADER = "state_transfer,signal,round,seed,kill_at_bytes,holder,new_holder,outcome,"
            + "gap_ms,detection_ms,takeover_ms,resume_ms,failovers,error";

    public Result run() throws IOException, InterruptedException {
        Files.createDirectories(p.out());
        List<Round> all = new ArrayList<>();
        Random random = new Random(p.seed());
        progress.say("links: %s", p.link() == Link.TLS ? "TLS 1.3 (a throwaway CA)" : "plaintext");
        progress.say("state transfer: %s; %d server processes; seed %d; stream %d bytes at %d bytes/s, snapshot every %d",
                Strategies.names(p.transfers()), p.servers(), p.seed(), p.streamBytes(), p.rate(), p.snapshotEvery());
        progress.say("client keepalive %d ms, %d missed (silence bound %d ms); servers' control timeout %d ms",
                p.client().keepaliveInterval().toMillis(), p.client().missedKeepalives(), silenceBoundMs(p.client()),
                p.controlTimeout().toMillis());
        try (Csv csv = new Csv(p.out().resolve("failover.csv"), List.of(HEADER.split(",")))) {
            for (StateTransfer t : p.transfers()) {
                t.checkPoolSize(p.servers());
                try (Servers servers = new Servers(t)) {
                    for (Signal signal : p.signals()) {
                        int n = p.rounds(t, signal);
                        for (int i = 1; i <= n; i++) {
                            long killAt = p.streamBytes() / 10 + (long) (random.nextDouble() * p.streamBytes() * 8 / 10);
                            Round r = round(servers, t, signal, i, killAt);
                            all.add(r);
                            csv.row(r.stateTransfer(), r.signal(), r.round(), p.seed(), r.killAt(), r.holder(),
                                    r.newHolder(), r.outcome(), r.gapMs(), r.detectionMs(), r.takeoverMs(), r.resumeMs(),
                                    r.failovers(), r.error().isEmpty() ? "-" : csvSafe(r.error()));
                            progress.say("%s SIG%s round %d/%d at %d bytes: %s, gap %.0f ms (detection %.0f, takeover %.0f, "
                                    + "resume %.0f)%s", t.name(), signal, i, n, killAt, r.outcome(), r.gapMs(),
                                    r.detectionMs(), r.takeoverMs(), r.resumeMs(),
                                    r.error().isEmpty() ? "" : ": " + r.error());
                        }
                    }
                }
            }
        }
        Result result = new Result(all);
        writeSummary(result);
        return result;
    }

    private static String csvSafe(String s) {
        return s.replace(',', ';').replace('\n', ' ').replace('\r', ' ');
    }

    // ------------------------------------------------------------------ one round

    private Round round(Servers servers, StateTransfer t, Signal signal, int index, long killAt)
            throws IOException, InterruptedException {
        List<long[]> events = new CopyOnWriteArrayList<>(); // {nanoTime at the callback, micros, succeeded}
        long[] reads = new long[1024];   // when each read after the signal returned (and the last one before)
        int readCount = 0;
        String holder;
        long killNanos = 0;
        String outcome = "intact";
        String error = "";
        String newHolder;
        long got = 0;
        try (MtcpSocket s = MtcpSocket.connect(servers.addresses(), servers.clientOptions())) {
            s.addMigrationListener(e -> events.add(new long[] {System.nanoTime(), e.micros(), e.succeeded() ? 1 : 0}));
            holder = s.currentServer();
            Watchdog watchdog = new Watchdog(s, p.hangLimit());
            try {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeLong(p.streamBytes());
                out.flush();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[64 * 1024];
                while (true) {
                    int n = in.read(buf);
                    long now = System.nanoTime();
                    watchdog.progress(now);
                    if (n < 0) {
                        break;
                    }
                    if (killNanos != 0) {
                        if (readCount == reads.length) {
                            reads = Arrays.copyOf(reads, 2 * readCount);
                        }
                        reads[readCount++] = now;
                    }
                    int bad = firstMismatch(buf, n, got);
                    if (bad >= 0) {
                        outcome = "corrupt";
                        error = "byte " + (got + bad) + " of " + p.streamBytes() + " is wrong";
                        break;
                    }
                    got += n;
                    if (killNanos == 0 && got >= killAt) {
                        holder = s.currentServer();
                        reads[readCount++] = now; // the last read before the signal
                        killNanos = System.nanoTime();
                        servers.signal(holder, signal);
                    }
                }
                if (outcome.equals("intact") && got != p.streamBytes()) {
                    outcome = "short";
                    error = "the stream ended after " + got + " of " + p.streamBytes() + " bytes";
                }
            } catch (IOException e) {
                outcome = watchdog.fired() ? "hung" : "error";
                error = (watchdog.fired() ? "no byte for " + p.hangLimit().toSeconds() + " s (socket closed); " : "")
                        + e.getMessage();
                if (readCount < reads.length) {
                    reads[readCount++] = System.nanoTime(); // the error's time ends the gap
                }
            } finally {
                watchdog.stop();
            }
            newHolder = s.currentServer();
        }
        if (killNanos == 0) {
            outcome = outcome.equals("intact") ? "short" : outcome;
            error = error.isEmpty() ? "the stream ended before the signal point" : error;
        } else if (signal == Signal.STOP) {
            servers.cont(holder); // the old holder comes back; its next export finds itself fenced
        } else {
            servers.restart(holder);
        }
        return summarize(t, signal, index, killAt, holder, newHolder, outcome, error, killNanos, events,
                Arrays.copyOf(reads, readCount));
    }

    private int firstMismatch(byte[] buf, int n, long offset) {
        for (int i = 0; i < n; i++) {
            if (offset + i >= p.streamBytes() || buf[i] != FailoverServer.patternByte(offset + i)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The gap: the longest pause between consecutive reads from the last one before the signal
     * (for an error: to the error). Its parts from the first successful migration event after the
     * signal.
     */
    private Round summarize(StateTransfer t, Signal signal, int index, long killAt, String holder, String newHolder,
            String outcome, String error, long killNanos, List<long[]> events, long[] reads) {
        double gap = Double.NaN;
        for (int i = 1; i < reads.length; i++) {
            double d = (reads[i] - reads[i - 1]) / 1e6;
            gap = Double.isNaN(gap) ? d : Math.max(gap, d);
        }
        double detection = Double.NaN;
        double takeover = Double.NaN;
        double resume = Double.NaN;
        int failovers = 0;
        for (long[] e : events) {
            if (killNanos == 0 || e[0] < killNanos) {
                continue;
            }
            failovers++;
            if (e[2] == 1 && Double.isNaN(takeover)) {
                long done = e[0];
                detection = (done - e[1] * 1000 - killNanos) / 1e6;
                takeover = e[1] / 1000.0;
                for (long r : reads) {
                    if (r > done) {
                        resume = (r - done) / 1e6;
                        break;
                    }
                }
            }
        }
        if (outcome.equals("intact") && Double.isNaN(takeover)) {
            outcome = "missed";
            error = "no failover: the holder had sent the whole stream before the signal";
        }
        return new Round(t.name(), signal, index, killAt, holder, newHolder, outcome, gap, detection, takeover, resume,
                failovers, error);
    }

    /** Closes the client's socket when no byte arrived for the hang limit, so that a hung failover ends the round. */
    private static final class Watchdog {
        private final Object lock = new Object();
        private final long limitNanos;
        private volatile long lastProgress = System.nanoTime();
        private volatile boolean fired;
        private boolean stopped;

        Watchdog(MtcpSocket socket, Duration limit) {
            limitNanos = limit.toNanos();
            Thread.ofPlatform().daemon().name("bench-failover-watchdog").start(() -> watch(socket));
        }

        private void watch(MtcpSocket socket) {
            synchronized (lock) {
                while (!stopped) {
                    long wait = lastProgress + limitNanos - System.nanoTime();
                    if (wait <= 0) {
                        fired = true;
                        try {
                            socket.close();
                        } catch (IOException e) {
                            // closing is all that is wanted; the reader sees the socket closed either way
                        }
                        return;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, wait); // re-checks the last progress at the deadline
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        void progress(long now) {
            lastProgress = now;
        }

        boolean fired() {
            return fired;
        }

        void stop() {
            synchronized (lock) {
                stopped = true;
                lock.notifyAll();
            }
        }
    }

    // ------------------------------------------------------------------ the server processes

    /** The pool's server processes for one strategy: started, signalled, restarted, and killed at the end. */
    private final class Servers implements AutoCloseable {
        private final StateTransfer transfer;
        private final Path poolFile;
        private final List<String> names = new ArrayList<>();
        private final List<InetSocketAddress> addresses = new ArrayList<>();
        private final Map<String, Process> processes = new LinkedHashMap<>();
        /** With TLS: the servers' keys and the CA (temporary), and the client's trust; else null. */
        private Path tlsDir;
        private TlsConfig clientTls;

        Servers(StateTransfer transfer) throws IOException {
            this.transfer = transfer;
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            StringBuilder file = new StringBuilder("secret hex:" + HexFormat.of().formatHex(secret) + "\n");
            for (int i = 1; i <= p.servers(); i++) {
                int service = FreePorts.reserve();
                int control = FreePorts.reserve();
                names.add("s" + i);
                addresses.add(new InetSocketAddress("127.0.0.1", service));
                file.append("server s").append(i).append(" 127.0.0.1:").append(service).append(" 127.0.0.1:")
                        .append(control).append('\n');
            }
            // a temporary file: it holds the pool's secret, which does not belong with the results
            poolFile = Files.createTempFile("mtcp-failover-pool-", ".conf");
            Files.writeString(poolFile, file.toString());
            if (p.link() == Link.TLS) {
                // a throwaway CA and a key per server, in a temporary directory (keys: not results)
                tlsDir = Files.createTempDirectory("mtcp-failover-tls-");
                TestPki pki = TestPki.create(FailoverServer.CA_NAME);
                pki.writeCaPem(tlsDir);
                for (String name : names) {
                    pki.issue(name).writePem(tlsDir);
                }
                try {
                    clientTls = TlsConfig.of(null, null, pki.trustStore());
                } catch (GeneralSecurityException e) {
                    throw new IOException("the client's trust in the bench's CA", e);
                }
            }
            try {
                for (String name : names) {
                    start(name);
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
            progress.say("%s: %d server processes up (%s)", transfer.name(), names.size(), processes.values().stream()
                    .map(pr -> "pid " + pr.pid()).toList());
        }

        List<InetSocketAddress> addresses() {
            return addresses;
        }

        /** The client's options: TLS trusting the bench's CA, or plaintext, explicitly. */
        ClientOptions clientOptions() {
            return clientTls == null ? p.client().withPlaintext() : p.client().withTls(clientTls);
        }

        private void start(String name) throws IOException {
            List<String> cmd = List.of(javaCommand, "-cp", System.getProperty("java.class.path"),
                    FailoverServer.class.getName(), poolFile.toString(), name, transfer.name().replace("(", ":")
                            .replace(")", ""), Long.toString(p.rate()), Integer.toString(p.chunk()),
                    Long.toString(p.snapshotEvery()), Long.toString(p.controlTimeout().toMillis()),
                    tlsDir == null ? FailoverServer.PLAINTEXT : tlsDir.toString());
            Path log = p.out().toAbsolutePath().resolve("failover-" + name + ".log");
            Process process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            processes.put(name, process);
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            if (ready == null || !ready.equals("READY " + name)) {
                throw new IOException("server " + name + " did not start (see " + log + "): " + ready);
            }
        }

        void signal(String name, Signal signal) throws IOException {
            Process process = processes.get(name);
            if (signal == Signal.KILL) {
                process.destroyForcibly(); // SIGKILL on Linux
            } else {
                kill("-STOP", process);
            }
        }

        void cont(String name) throws IOException {
            kill("-CONT", processes.get(name));
        }

        /** kill -SIG pid: ProcessHandle sends only SIGTERM and SIGKILL. */
        private static void kill(String signal, Process target) throws IOException {
            try {
                Process kill = new ProcessBuilder("kill", signal, Long.toString(target.pid())).redirectErrorStream(true)
                        .start();
                if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                    throw new IOException("kill " + signal + " " + target.pid() + " failed");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while sending " + signal, e);
            }
        }

        void restart(String name) throws IOException, InterruptedException {
            Process old = processes.get(name);
            if (!old.waitFor(30, TimeUnit.SECONDS)) {
                throw new IOException("server " + name + " (pid " + old.pid() + ") did not die of SIGKILL in 30 s");
            }
            start(name);
        }

        @Override
        public void close() {
            for (Process process : processes.values()) {
                process.destroyForcibly(); // also ends a stopped process
            }
            try {
                Files.deleteIfExists(poolFile);
                if (tlsDir != null) {
                    try (var files = Files.list(tlsDir)) {
                        for (Path f : files.toList()) {
                            Files.delete(f);
                        }
                    }
                    Files.delete(tlsDir);
                }
            } catch (IOException e) {
                progress.say("could not delete %s or %s: %s", poolFile, tlsDir, e.getMessage()); // temporary: reported, not fatal
            }
        }
    }

    // ------------------------------------------------------------------ output

    /**
     * The client gives a silent holder up after {@code (missedKeepalives + 1) x keepaliveInterval}
     * at most (docs/protocol.md, "Keepalive"): 5 s with the defaults.
     */
    static long silenceBoundMs(ClientOptions client) {
        return (client.missedKeepalives() + 1) * client.keepaliveInterval().toMillis();
    }

    /** Gap target of issue 14: 0.5 s after SIGKILL; after SIGSTOP the client's silence bound + 0.5 s. */
    public static double targetMs(Signal signal, ClientOptions client) {
        return (signal == Signal.KILL ? 0 : silenceBoundMs(client)) + 500;
    }

    public static final String SUMMARY_HEADER = "state_transfer,signal,rounds,intact,errors,other,gap_ms_median,gap_ms_p90,"
            + "gap_ms_max,detection_ms_median,takeover_ms_median,resume_ms_median,error_after_ms_median,target_ms";

    private void writeSummary(Result r) throws IOException {
        try (Csv csv = new Csv(p.out().resolve("failover-summary.csv"), List.of(SUMMARY_HEADER.split(",")))) {
            for (Group g : groups(r)) {
                csv.row(g.transfer, g.signal, g.rounds.size(), g.count("intact"), g.count("error"),
                        g.rounds.size() - g.count("intact") - g.count("error"), g.stat(Round::gapMs, "intact", 50),
                        g.stat(Round::gapMs, "intact", 90), g.stat(Round::gapMs, "intact", 100),
                        g.stat(Round::detectionMs, "intact", 50), g.stat(Round::takeoverMs, "intact", 50),
                        g.stat(Round::resumeMs, "intact", 50), g.stat(Round::gapMs, "error", 50), targetMs(g.signal, p.client()));
            }
        }
    }

    private record Group(String transfer, Signal signal, List<Round> rounds) {
        int count(String outcome) {
            return (int) rounds.stream().filter(x -> x.outcome().equals(outcome)).count();
        }

        double stat(ToDoubleFunction<Round> f, String outcome, double percentile) {
            double[] v = rounds.stream().filter(x -> x.outcome().equals(outcome)).mapToDouble(f)
                    .filter(d -> !Double.isNaN(d)).toArray();
            return v.length == 0 ? Double.NaN : new Stats(v).percentile(percentile);
        }
    }

    private static List<Group> groups(Result r) {
        List<Group> groups = new ArrayList<>();
        for (Round x : r.rounds()) {
            Group g = groups.stream().filter(y -> y.transfer.equals(x.stateTransfer()) && y.signal == x.signal())
                    .findFirst().orElse(null);
            if (g == null) {
                g = new Group(x.stateTransfer(), x.signal(), new ArrayList<>());
                groups.add(g);
            }
            g.rounds.add(x);
        }
        return groups;
    }

    public Table table(Result r) {
        Table t = new Table("state transfer", "signal", "rounds", "intact", "errors", "other", "gap ms median", "p90",
                "max", "detection ms", "takeover ms", "resume ms", "error after ms", "target ms", "median met");
        for (Group g : groups(r)) {
            double median = g.stat(Round::gapMs, "intact", 50);
            boolean none = g.count("intact") == 0;
            t.row(g.transfer, "SIG" + g.signal, g.rounds.size(), g.count("intact"), g.count("error"),
                    g.rounds.size() - g.count("intact") - g.count("error"), f(median), f(g.stat(Round::gapMs, "intact", 90)),
                    f(g.stat(Round::gapMs, "intact", 100)), f(g.stat(Round::detectionMs, "intact", 50)),
                    f(g.stat(Round::takeoverMs, "intact", 50)), f(g.stat(Round::resumeMs, "intact", 50)),
                    f(g.stat(Round::gapMs, "error", 50)), f(targetMs(g.signal, p.client())),
                    none ? "no (no round intact)" : median <= targetMs(g.signal, p.client()) ? "yes" : "no");
        }
        return t;
    }

    private static String f(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }
}
