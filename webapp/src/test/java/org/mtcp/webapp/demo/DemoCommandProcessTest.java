package org.mtcp.webapp.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code mtcp demo} as a user runs it, in a process of its own: it prints its progress and the
 * URL, serves the page through the proxy, refuses at once an address that is taken, stops
 * everything on Ctrl-C (SIGINT) with its embedded PostgreSQL, and a second run on the same
 * address works (with --plaintext; the first runs TLS with its throwaway CA).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DemoCommandProcessTest {

    private static final Pattern URL = Pattern.compile("Open (http://127\\.0\\.0\\.1:(\\d+)/) in a browser");
    private static final Pattern PG_PORT = Pattern.compile("embedded PostgreSQL on port (\\d+)");
    private static final Duration START = Duration.ofSeconds(150);

    @Test
    void startsServesStopsOnCtrlCAndRunsAgainOnTheSameAddress() throws Exception {
        int port;
        try (DemoProcess first = DemoProcess.start("--listen", "0", "--pace", "0ms")) {
            Matcher url = first.awaitUrl();
            port = Integer.parseInt(url.group(2));
            assertThat(get(url.group(1))).contains("<title>M-TCP bank demo</title>");
            assertThat(get(url.group(1) + "demo/accounts")).contains("\"total\":8000");
            assertThat(first.stderr()).anyMatch(l -> l.startsWith("starting PostgreSQL") && l.contains("... ok ("))
                    .anyMatch(l -> l.startsWith("seeding the bank") && l.contains("8 accounts, total 8000"))
                    .anyMatch(l -> l.startsWith("preparing the M-TCP links' TLS... ok")
                            && l.contains("links TLS 1.3 with a throwaway CA made at start-up (in memory only"));
            // pg_ctl starts the postmaster detached from the demo: find it by its port.
            String pgPort = first.stderr().stream().map(PG_PORT::matcher).filter(Matcher::find).findFirst()
                    .orElseThrow(() -> new AssertionError("no PostgreSQL port in " + first.stderr())).group(1);
            List<ProcessHandle> postgres = postmaster(pgPort);
            assertThat(postgres).as("the embedded PostgreSQL on port %s", pgPort).hasSize(1);

            // The address is taken: a second demo says so at once, before starting anything.
            try (DemoProcess second = DemoProcess.start("--listen", String.valueOf(port))) {
                assertThat(second.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(second.process.exitValue()).isEqualTo(1);
                second.drain();
                assertThat(String.join("\n", second.stderr())).contains("cannot listen on 127.0.0.1:" + port)
                        .contains("is another demo running?").doesNotContain("starting PostgreSQL");
            }

            first.interrupt();
            assertThat(first.process.waitFor(60, TimeUnit.SECONDS)).as("stops on Ctrl-C").isTrue();
            assertThat(first.process.exitValue()).as("exit status after SIGINT").isEqualTo(130);
            first.drain();
            assertThat(first.stderr()).anyMatch(l -> l.startsWith("stopping the proxy, the front-ends and PostgreSQL... ok"));
            for (ProcessHandle pg : postgres) {
                assertThat(pg.onExit().get(30, TimeUnit.SECONDS).isAlive()).as("PostgreSQL %s stopped", pg.pid()).isFalse();
            }
        }
        try (DemoProcess again = DemoProcess.start("--listen", String.valueOf(port), "--pace", "0ms", "--plaintext")) {
            Matcher url = again.awaitUrl();
            assertThat(again.stderr()).as("plaintext only by choice, and said")
                    .contains(org.mtcp.core.tls.TlsFlags.PLAINTEXT_WARNING)
                    .anyMatch(l -> l.startsWith("preparing the M-TCP links' TLS... ok") && l.contains("links PLAINTEXT"));
            assertThat(url.group(2)).isEqualTo(String.valueOf(port));
            assertThat(get(url.group(1) + "demo/accounts")).contains("\"total\":8000");
            again.interrupt();
            assertThat(again.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            again.drain();
            assertThat(again.stderr()).anyMatch(l -> l.startsWith("stopping the proxy, the front-ends and PostgreSQL... ok"));
        }
    }

    /** The postmaster of an embedded PostgreSQL listening on {@code port}. */
    private static List<ProcessHandle> postmaster(String port) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.contains("embedded-pg") && c.endsWith("/postgres")).orElse(false))
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains("-p " + port + " ")).orElse(false))
                .toList();
    }

    private static String get(String url) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("GET %s", url).isEqualTo(200);
            return r.body();
        }
    }

    /** {@code java -cp <test class path> org.mtcp.webapp.demo.DemoCommand ARGS}, its output read continuously. */
    private static final class DemoProcess implements AutoCloseable {
        final Process process;
        private final List<String> out = new ArrayList<>();
        private final List<String> err = new ArrayList<>();
        private final Thread[] pumps;

        private DemoProcess(Process process) {
            this.process = process;
            this.pumps = new Thread[] {pump(process.getInputStream(), out), pump(process.getErrorStream(), err)};
        }

        static DemoProcess start(String... args) throws IOException {
            String java = ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> command = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), DemoCommand.class.getName()));
            command.addAll(List.of(args));
            ProcessBuilder b = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            b.environment().remove("MTCP_LOG_LEVEL");
            return new DemoProcess(b.start());
        }

        private Thread pump(InputStream in, List<String> lines) {
            return Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
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

        /** Waits for the "Open URL" line; fails with the whole output if the process ends first. */
        synchronized Matcher awaitUrl() throws InterruptedException {
            long deadline = System.nanoTime() + START.toNanos();
            while (true) {
                for (String line : out) {
                    Matcher m = URL.matcher(line);
                    if (m.find()) {
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (!process.isAlive() || left <= 0) {
                    throw new AssertionError("no URL from the demo (" + (process.isAlive() ? "timeout" : "exit "
                            + process.exitValue()) + ")\nstdout:\n" + String.join("\n", out) + "\nstderr:\n" + String.join("\n", err));
                }
                wait(Math.max(1, Math.min(500, left / 1_000_000)));
            }
        }

        /** Ctrl-C: SIGINT, as a terminal sends it. */
        void interrupt() throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(process.pid())).inheritIO().start();
            assertThat(kill.waitFor()).isZero();
        }

        /** After the exit: the rest of the output. */
        void drain() throws InterruptedException {
            for (Thread t : pumps) {
                t.join(10_000);
            }
        }

        synchronized List<String> stderr() {
            return List.copyOf(err);
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
    }
}
