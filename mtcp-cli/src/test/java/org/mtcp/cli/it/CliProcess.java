package org.mtcp.cli.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A real {@code mtcp} process ({@code java -cp <test class path> org.mtcp.cli.Main ...}, with the
 * JVM running the tests), or any other command such as curl. Both output streams are drained
 * continuously into line lists; tests wait for a line, never for a time.
 */
final class CliProcess implements AutoCloseable {

    private final String label;
    private final Process process;
    private final List<String> stdout = new ArrayList<>();
    private final List<String> stderr = new ArrayList<>();
    private final Thread[] pumps = new Thread[2];

    private CliProcess(String label, Process process) {
        this.label = label;
        this.process = process;
        pumps[0] = pump(process.getInputStream(), stdout, "out");
        pumps[1] = pump(process.getErrorStream(), stderr, "err");
    }

    /** Starts {@code mtcp args...} in a new JVM (SIGHUP handled even when the tests run under nohup). */
    static CliProcess mtcp(String label, List<String> args) throws IOException {
        return start(label, org.mtcp.testkit.Sighup.handledBy(mtcpCommand(args)));
    }

    /** Starts {@code mtcp args...} in a new JVM that ignores SIGHUP, as under nohup. */
    static CliProcess mtcpWithSighupIgnored(String label, List<String> args) throws IOException {
        return start(label, org.mtcp.testkit.Sighup.ignoredBy(mtcpCommand(args)));
    }

    /** Starts {@code mtcp args...} in a new JVM whose file descriptor limit is {@code limit} (sh's ulimit -n). */
    static CliProcess mtcpWithFileLimit(String label, int limit, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "ulimit -n " + limit + " && exec \"$@\"", "sh"));
        command.addAll(mtcpCommand(args));
        return start(label, command);
    }

    private static List<String> mtcpCommand(List<String> args) {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "org.mtcp.cli.Main"));
        command.addAll(args);
        return command;
    }

    /** Starts any command. */
    static CliProcess start(String label, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return new CliProcess(label, builder.start());
    }

    private Thread pump(InputStream in, List<String> lines, String stream) {
        return Thread.ofPlatform().daemon().name(label + "-" + stream).start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (this) {
                        lines.add(line);
                        notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process is gone
            } finally {
                synchronized (this) {
                    notifyAll();
                }
            }
        });
    }

    /**
     * Waits for a stdout line matching {@code condition}; fails with the whole output if the
     * process exits first or {@code timeout} passes.
     */
    synchronized String awaitLine(Predicate<String> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (true) {
            for (; seen < stdout.size(); seen++) {
                if (condition.test(stdout.get(seen))) {
                    return stdout.get(seen);
                }
            }
            boolean drained = !pumps[0].isAlive();
            if (drained && !process.isAlive()) {
                throw new AssertionError(label + " exited with " + process.exitValue()
                        + " before printing the expected line\n" + output());
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(label + ": expected line not printed within " + timeout + "\n" + output());
            }
            wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
        }
    }

    /** Waits for the process to end (output fully drained) and returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(label + " still running after " + timeout + "\n" + output());
        }
        for (Thread t : pumps) {
            t.join(5_000);
        }
        return process.exitValue();
    }

    synchronized List<String> stdout() {
        return List.copyOf(stdout);
    }

    synchronized List<String> stderr() {
        return List.copyOf(stderr);
    }

    /** Both streams, for failure messages. */
    synchronized String output() {
        return "--- " + label + " stdout ---\n" + stdout.stream().collect(Collectors.joining("\n"))
                + "\n--- " + label + " stderr ---\n" + stderr.stream().collect(Collectors.joining("\n"));
    }

    Process process() {
        return process;
    }

    /**
     * Sends SIGTERM (as Ctrl-C would: shutdown hooks run) and keeps reading the output. Unlike
     * {@link Process#destroy()}, which also closes our ends of the pipes and so loses whatever
     * the process prints while it shuts down.
     */
    void terminate() {
        process.toHandle().destroy();
    }

    /** SIGTERM, then SIGKILL if it lingers. */
    @Override
    public void close() {
        if (process.isAlive()) {
            terminate();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
