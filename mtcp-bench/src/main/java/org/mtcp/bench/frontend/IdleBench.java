package org.mtcp.bench.frontend;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.mtcp.bench.Csv;
import org.mtcp.bench.Progress;
import org.mtcp.bench.Table;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.webapp.SampleDatabase;

/**
 * {@code bench idle}: N idle HTTP keep-alive connections held open against one front-end
 * (directly, over M-TCP) and through one proxy; what each idle connection costs the process that
 * holds it. The front-end and the proxy run in JVMs of their own ({@link IdleTarget}), so their
 * heap and CPU are theirs alone; the clients are this JVM. For each process: the heap used after
 * a full GC before and after the N connections (the difference per connection), and its CPU over
 * an idle window; then a request on a new connection and on one of the idle ones must still be
 * answered.
 */
public final class IdleBench {

    /** What to run: {@code paths} from {@code direct} and {@code proxy}. */
    public record Params(String dbUrl, int connections, Duration settle, Duration window, List<String> paths, Path out) {}

    /** One measured process of one path. */
    public record Row(String path, String process, int connections, long heapBeforeBytes, long heapAfterBytes,
            double cpuPercent, double windowSeconds, int threads, double newRequestMillis, double idleRequestMillis,
            long fdLimit) {
        public double heapPerConnectionKib() {
            return connections == 0 ? 0 : (heapAfterBytes - heapBeforeBytes) / 1024.0 / connections;
        }
    }

    private static final byte[] HEALTHZ = "GET /healthz HTTP/1.1\r\nHost: mtcp\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** File descriptors a process keeps for itself (jars, epoll, listeners, the database pool). */
    private static final int FD_RESERVE = 512;

    private final Params p;
    private final Progress progress;

    public IdleBench(Params params, Progress progress) {
        this.p = params;
        this.progress = progress;
    }

    public List<Row> run() throws Exception {
        long fdLimit = fdLimit();
        progress.say("file descriptor limit of this process (inherited by the measured ones): %d", fdLimit);
        try (SampleDatabase embedded = p.dbUrl() == null ? SampleDatabase.embedded(40, false) : null) {
            String url = embedded == null ? p.dbUrl() : embedded.jdbcUrl();
            progress.say("database: %s", embedded == null ? SampleDatabase.redact(url) : embedded.description());
            List<Row> rows = new ArrayList<>();
            for (String path : p.paths()) {
                rows.addAll(switch (path) {
                    case "direct" -> direct(url, fdLimit);
                    case "proxy" -> proxied(url, fdLimit);
                    default -> throw new IllegalArgumentException("--paths takes direct and proxy, not " + path);
                });
            }
            write(rows);
            return rows;
        }
    }

    private List<Row> direct(String url, long fdLimit) throws Exception {
        int n = (int) Math.min(p.connections(), Math.max(1, fdLimit - FD_RESERVE));
        if (n < p.connections()) {
            progress.say("direct: %d connections, not %d: the file descriptor limit is %d", n, p.connections(), fdLimit);
        }
        try (Child fe = frontend(url, n)) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", fe.port);
            return measureIdle("direct", n, List.of(fe, SELF), () -> mtcp(address), fdLimit);
        }
    }

    private List<Row> proxied(String url, long fdLimit) throws Exception {
        // The proxy holds two sockets per connection (the local one and its M-TCP link).
        int n = (int) Math.min(p.connections(), Math.max(1, (fdLimit - FD_RESERVE) / 2));
        if (n < p.connections()) {
            progress.say("proxy: %d connections, not %d: the proxy needs 2 file descriptors per connection and the "
                    + "limit is %d (hard limit; raise it with ulimit -Hn as root)", n, p.connections(), fdLimit);
        }
        try (Child fe = frontend(url, n); Child proxy = child(List.of("proxy", "127.0.0.1:" + fe.port,
                Integer.toString(n + 16)), "proxy")) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", proxy.port);
            return measureIdle("proxy", n, List.of(proxy, fe), () -> plain(address), fdLimit);
        }
    }

    /**
     * Heap of each side after a full GC before and after {@code n} connections (opened with
     * {@code opener}, then settled), CPU of each over the idle window, then a request on a new
     * connection and on an idle one.
     */
    private List<Row> measureIdle(String path, int n, List<Side> sides, Opener opener, long fdLimit) throws Exception {
        List<Measure> before = new ArrayList<>();
        for (Side side : sides) {
            before.add(side.measure());
        }
        List<Closeable> held = open(n, path, opener);
        settle();
        List<Measure> after = new ArrayList<>();
        List<Long> cpu0 = new ArrayList<>();
        for (Side side : sides) {
            after.add(side.measure());
        }
        for (Side side : sides) {
            cpu0.add(side.cpu());
        }
        long t0 = System.nanoTime();
        idle();
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<Long> cpu1 = new ArrayList<>();
        for (Side side : sides) {
            cpu1.add(side.cpu());
        }
        double newMs = timed(opener);
        double idleMs = timed(() -> request(held.get(0)));
        closeAll(held);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < sides.size(); i++) {
            rows.add(row(path, sides.get(i).name(), n, before.get(i), after.get(i), cpu1.get(i) - cpu0.get(i), seconds,
                    newMs, idleMs, fdLimit));
        }
        return rows;
    }

    private Row row(String path, String process, int n, Measure before, Measure after, long cpuNanos, double seconds,
            double newMs, double idleMs, long fdLimit) {
        Row r = new Row(path, process, n, before.heap, after.heap, 100.0 * cpuNanos / 1e9 / seconds, seconds,
                after.threads, newMs, idleMs, fdLimit);
        progress.say("%s, %s: %.1f KiB heap per connection, %.2f%% of a core while idle, new request %.1f ms, "
                + "request on an idle connection %.1f ms", path, process, r.heapPerConnectionKib(), r.cpuPercent(),
                newMs, idleMs);
        return r;
    }

    /** Lets the keepalives back off to their ceiling before anything is measured. */
    private void settle() throws InterruptedException {
        wait("settling (keepalives back off)", p.settle());
    }

    private void idle() throws InterruptedException {
        wait("idle window", p.window());
    }

    private void wait(String what, Duration length) throws InterruptedException {
        progress.say("%s: %d s", what, length.toSeconds());
        long end = System.nanoTime() + length.toNanos();
        while (System.nanoTime() < end) {
            TimeUnit.NANOSECONDS.sleep(Math.min(end - System.nanoTime(), TimeUnit.SECONDS.toNanos(5)));
            progress.count(what + " seconds", Math.min(length.toSeconds(),
                    length.toSeconds() - TimeUnit.NANOSECONDS.toSeconds(Math.max(0, end - System.nanoTime()))),
                    length.toSeconds());
        }
    }

    // ------------------------------------------------------------------ connections

    private interface Opener {
        Closeable open() throws IOException;
    }

    /** Opens {@code n} connections, each answering one GET /healthz, at most 64 handshakes at a time. */
    private List<Closeable> open(int n, String what, Opener opener) throws Exception {
        progress.say("%s: opening %d keep-alive connections", what, n);
        List<Future<Closeable>> futures = new ArrayList<>(n);
        Semaphore parallel = new Semaphore(64);
        AtomicInteger done = new AtomicInteger();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                parallel.acquire();
                futures.add(ex.submit(() -> {
                    try {
                        return opener.open();
                    } finally {
                        parallel.release();
                        progress.count(what + ": connections open", done.incrementAndGet(), n);
                    }
                }));
            }
        }
        List<Closeable> held = new ArrayList<>(n);
        for (Future<Closeable> f : futures) {
            held.add(f.get());
        }
        return held;
    }

    private static Closeable mtcp(InetSocketAddress address) throws IOException {
        MtcpSocket s = MtcpSocket.connect(List.of(address), ClientOptions.defaults());
        request(s);
        return s;
    }

    private static Closeable plain(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.connect(address, 10_000);
        request(s);
        return s;
    }

    private static void request(Closeable c) throws IOException {
        InputStream in;
        OutputStream out;
        if (c instanceof MtcpSocket m) {
            in = m.getInputStream();
            out = m.getOutputStream();
        } else {
            Socket s = (Socket) c;
            in = s.getInputStream();
            out = s.getOutputStream();
        }
        out.write(HEALTHZ);
        out.flush();
        HttpLite.Response r = HttpLite.read(in);
        if (r.status() != 200 || r.close()) {
            throw new IOException("GET /healthz: status " + r.status() + (r.close() ? ", connection closed" : "")
                    + ": " + r.body());
        }
    }

    private static double timed(Opener request) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Closeable c = request.open();
        double ms = (System.nanoTime() - t0) / 1e6;
        closeAll(List.of(c));
        return ms;
    }

    private static double timed(RequestOnHeld request) throws IOException {
        long t0 = System.nanoTime();
        request.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private interface RequestOnHeld {
        void run() throws IOException;
    }

    /**
     * Closes every connection; an M-TCP close completes in the background (the holder
     * acknowledges the end), so wait for that (up to 30 s) before the front-end stops, or the
     * clients would see their holder vanish and try to fail over.
     */
    private static void closeAll(List<Closeable> held) throws InterruptedException {
        for (Closeable c : held) {
            try {
                c.close();
            } catch (IOException e) {
                // the measurement is over; a connection that fails to close changes nothing
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Closeable c : held) {
            while (c instanceof MtcpSocket m && !m.isFinished() && System.nanoTime() < deadline) {
                Thread.sleep(10); // polling a background close; bounded by the deadline
            }
        }
    }

    // ------------------------------------------------------------------ the measured processes

    private record Measure(long heap, int threads) {}

    /** A measured process: heap after a full GC, and CPU time. */
    private interface Side {
        String name();

        Measure measure() throws IOException;

        long cpu() throws IOException;
    }

    /** This JVM: the clients of the direct path (MtcpSockets), and the harness. */
    private static final Side SELF = new Side() {
        @Override
        public String name() {
            return "clients (bench JVM; MtcpSocket)";
        }

        @Override
        public Measure measure() {
            System.gc();
            return new Measure(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
                    ManagementFactory.getThreadMXBean().getThreadCount());
        }

        @Override
        public long cpu() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }
    };

    private Child frontend(String url, int maxConnections) throws IOException, InterruptedException {
        Path dir = p.out().toAbsolutePath();
        Files.createDirectories(dir);
        Path pool = dir.resolve("idle-pool.conf");
        Files.writeString(pool, "secret hex:" + "0123456789abcdef".repeat(4) + "\n"
                + "server fe1 127.0.0.1:0 127.0.0.1:0\n");
        long idleTimeout = p.settle().toSeconds() + p.window().toSeconds() + 600; // Jetty must not close them while measured
        Child fe = child(List.of("frontend", pool.toString(), "fe1", url, Long.toString(idleTimeout),
                Integer.toString(maxConnections + 16)), "frontend");
        // One request first, so the baseline includes what the first request loads (classes, pools).
        closeAll(List.of(mtcp(new InetSocketAddress("127.0.0.1", fe.port))));
        return fe;
    }

    private Child child(List<String> args, String name) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(IdleTarget.class.getName());
        cmd.addAll(args);
        Path log = p.out().toAbsolutePath().resolve("idle-" + name + ".log");
        Process process = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        Child c = new Child(process, name);
        String ready = c.line();
        if (ready == null || !ready.startsWith("READY ")) {
            c.close();
            throw new IOException(name + " did not start (see " + log + "): " + ready);
        }
        c.port = Integer.parseInt(ready.substring(6).trim());
        progress.say("%s up (pid %d, port %d)", name, process.pid(), c.port);
        return c;
    }

    private static final class Child implements AutoCloseable, Side {
        final Process process;
        final String name;
        final BufferedReader out;
        final PrintWriter in;
        int port;

        Child(Process process, String name) {
            this.process = process;
            this.name = name;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        String line() throws IOException {
            return out.readLine();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Measure measure() throws IOException {
            in.println("measure");
            String[] f = expect("MEASURE");
            return new Measure(Long.parseLong(f[1]), Integer.parseInt(f[3]));
        }

        @Override
        public long cpu() throws IOException {
            in.println("cpu");
            return Long.parseLong(expect("CPU")[1]);
        }

        private String[] expect(String word) throws IOException {
            String l = line();
            if (l == null || !l.startsWith(word + " ")) {
                throw new IOException(name + " answered " + l + " instead of " + word);
            }
            return l.split(" ");
        }

        @Override
        public void close() {
            in.println("quit");
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private static long fdLimit() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u
                ? u.getMaxFileDescriptorCount() : -1;
    }

    // ------------------------------------------------------------------ output

    public static final String HEADER = "path,process,connections,heap_before_bytes,heap_after_bytes,"
            + "heap_per_connection_kib,cpu_percent_idle,window_s,threads,new_request_ms,idle_request_ms,fd_limit";

    private void write(List<Row> rows) throws IOException {
        try (Csv csv = new Csv(p.out().resolve("idle.csv"), List.of(HEADER.split(",")))) {
            for (Row r : rows) {
                csv.row(r.path(), r.process(), r.connections(), r.heapBeforeBytes(), r.heapAfterBytes(),
                        r.heapPerConnectionKib(), r.cpuPercent(), r.windowSeconds(), r.threads(), r.newRequestMillis(),
                        r.idleRequestMillis(), r.fdLimit());
            }
        }
    }

    public static Table table(List<Row> rows) {
        Table t = new Table("path", "process", "connections", "heap KiB/conn", "CPU % idle", "new req ms", "idle req ms");
        for (Row r : rows) {
            t.row(r.path(), r.process(), r.connections(), String.format(Locale.ROOT, "%.1f", r.heapPerConnectionKib()),
                    String.format(Locale.ROOT, "%.2f", r.cpuPercent()), String.format(Locale.ROOT, "%.1f", r.newRequestMillis()),
                    String.format(Locale.ROOT, "%.1f", r.idleRequestMillis()));
        }
        return t;
    }
}
