package org.mtcp.frontend.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.frontend.cli.FrontendCommand;

/**
 * One {@code mtcp frontend} as a real process: {@code java -cp <the tests' class path>
 * FrontendCommand ...}, so the operations the class path registers ({@code META-INF/services})
 * are found as in the {@code ./mtcp} jar. Standard output and error go to one log file, which the
 * waits read; tests wait for a line or a health answer
 * (Awaitility), never for a time.
 */
public final class FrontendProcess {

    /** The admin token every process gets ({@code MTCP_ADMIN_TOKEN}). */
    public static final String ADMIN_TOKEN = "process-token";

    private final String name;
    private final Process process;
    private final Path log;

    private FrontendProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code frontend --pool pool --name name --db url --db-user user} plus {@code extraArgs},
     * the database password in {@code MTCP_DB_PASSWORD}. A small, quickly started JVM (serial GC,
     * C1 only): the tests start many. Without a TLS key option in {@code extraArgs}
     * ({@code --tls-cert}, {@code --tls-keystore}) it runs with {@code --plaintext}.
     */
    public static FrontendProcess start(Path pool, String name, String url, String user, String password,
            List<String> extraArgs) throws IOException {
        return start(FrontendCommand.class.getName(), false, pool, name, url, user, password, extraArgs);
    }

    /**
     * As {@link #start(Path, String, String, String, String, List)} with another main class on
     * the tests' class path that runs the command (a launcher wrapping {@code FrontendCommand});
     * {@code controlled}: its standard input is a pipe the test writes to ({@link #tell}), else
     * /dev/null.
     */
    public static FrontendProcess start(String mainClass, boolean controlled, Path pool, String name, String url,
            String user, String password, List<String> extraArgs) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classpath, mainClass,
                "--pool", pool.toString(), "--name", name, "--db", url, "--db-user", user));
        command.addAll(extraArgs);
        if (!extraArgs.contains("--tls-cert") && !extraArgs.contains("--tls-keystore") && !extraArgs.contains("--plaintext")) {
            command.add("--plaintext");
        }
        // reloads on SIGHUP even when the tests run under nohup
        ProcessBuilder pb = new ProcessBuilder(org.mtcp.testkit.Sighup.handledBy(command));
        Map<String, String> env = pb.environment();
        env.put("MTCP_DB_PASSWORD", password);
        env.put("MTCP_ADMIN_TOKEN", ADMIN_TOKEN);
        pb.redirectErrorStream(true);
        pb.redirectInput(controlled ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path log = Files.createTempFile("frontend-" + name, ".log");
        pb.redirectOutput(log.toFile());
        return new FrontendProcess(name, pb.start(), log);
    }

    public String name() {
        return name;
    }

    public Process process() {
        return process;
    }

    /** Writes {@code line} to the standard input of a process started {@code controlled}. */
    public void tell(String line) throws IOException {
        java.io.OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        in.flush();
    }

    /** Everything the process printed so far. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** Waits for a line matching {@code condition}; fails with the output if the process ends first. */
    public String awaitLine(Predicate<String> condition, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(50))
                .failFast(name + " exited before the expected line", () -> assertThat(process.isAlive() || firstLine(condition) != null)
                        .as("%s exited (code %s); its output:%n%s", name, exitCode(), output()).isTrue())
                .untilAsserted(() -> assertThat(firstLine(condition)).as(name + "'s output:%n%s", output()).isNotNull());
        return firstLine(condition);
    }

    private String exitCode() {
        return process.isAlive() ? "none yet" : String.valueOf(process.exitValue());
    }

    private String firstLine(Predicate<String> condition) {
        return output().lines().filter(condition).findFirst().orElse(null);
    }

    /** Waits for a line starting with {@code prefix}; returns the whole output so far. */
    public String awaitLine(String prefix) {
        awaitLine(l -> l.startsWith(prefix), Duration.ofSeconds(60));
        return output();
    }

    /** Readiness: the front-end answers {@code /healthz} with 200 over M-TCP on {@code port}. */
    public static void awaitHealthy(int port, Duration timeout) {
        awaitHealthy(port, ClientOptions.defaults(), timeout);
    }

    /** As {@link #awaitHealthy(int, Duration)} with the client's {@code options} (a TLS front-end: its trust). */
    public static void awaitHealthy(int port, ClientOptions options, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> healthStatus(port, options) == 200);
    }

    /** The status of one {@code GET /healthz} on a connection of its own to {@code port}. */
    public static int healthStatus(int port) throws IOException {
        return healthStatus(port, ClientOptions.defaults());
    }

    /** As {@link #healthStatus(int)} with the client's {@code options}. */
    public static int healthStatus(int port, ClientOptions options) throws IOException {
        try (MtcpSocket s = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", port)),
                options.withFailover(false))) {
            return HttpExchange.exchange(s.getInputStream(), s.getOutputStream(), HttpExchange.get("/healthz"), null)
                    .status();
        }
    }

    /** SIGTERM ({@link Process#destroy()}: the front-end drains); returns the exit code. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not exit within " + timeout + " of SIGTERM:\n" + output());
        }
        return process.exitValue();
    }

    /** Stops it whatever its state (after a test): SIGTERM, then SIGKILL after 10 s. */
    public void stop() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
