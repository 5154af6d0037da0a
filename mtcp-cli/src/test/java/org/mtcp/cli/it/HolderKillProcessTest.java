package org.mtcp.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.cli.support.LocalPool;
import org.mtcp.cli.support.PoolFiles;
import org.mtcp.cli.support.TestFiles;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;

/**
 * Issue 14's file-server acceptance test, with real processes killed for real: curl downloads a
 * file through {@code mtcp proxy} from three {@code mtcp file-server --state-transfer replicated}
 * processes while the one serving it (the holder, as the proxy's {@code open} and {@code
 * migration} lines name it) is killed with SIGKILL, or stopped with SIGSTOP, once curl has
 * received a random number of bytes. The download completes and its SHA-256 is the file's. The
 * same kill with lazy transfer (the default) loses the download with an error curl reports.
 *
 * <p>Pacing: the servers send 16 KiB chunks 2 ms apart (at most 8 MB/s) and retain at most
 * 256 KiB unacknowledged, so the server, not the loopback socket buffers, sets the pace: when
 * curl has N bytes the killed server has sent little more, and the kill lands in the middle of
 * the body on the server side too (unpaced, the whole file sits in socket buffers early and a
 * kill hits a server that is already done).
 */
class HolderKillProcessTest {

    static final Duration STARTUP = Duration.ofSeconds(60);
    static final Duration DOWNLOAD = Duration.ofSeconds(90);
    static final int FILE_SIZE = 3 * 1024 * 1024;

    /**
     * SIGKILL trials in one run: the 20 issue 14 asks for. Each costs a paced download (under a
     * second) and a restart of the killed server's JVM, overlapped with nothing; 20 took 22.5 s
     * on a busy 2-core machine (the whole class, with the SIGSTOP and lazy tests, 37 s), which
     * fits the minute of CI time this test may take. Change it with {@code -Dmtcp.holderKill.trials=N}
     * (and replay a failure's kill points with {@code -Dmtcp.holderKill.seed=S}, printed in it).
     */
    static final int TRIALS = Integer.getInteger("mtcp.holderKill.trials", 20);

    static final List<String> PACED = List.of("--chunk-size", "16k", "--chunk-interval", "2ms",
            "--max-retained", "256k");
    static final Pattern LISTENING = CurlThroughProxyTest.LISTENING;
    static final Pattern MIGRATION = CurlThroughProxyTest.MIGRATION;
    static final Pattern OPEN = Pattern.compile(" open #(\\d+) .* server=(s\\d)$");

    @TempDir
    Path work;
    Path poolFile;
    Path file;
    String sha256;
    PoolConfig pool;
    CliProcess[] servers;
    List<String> serverArgs;
    CliProcess proxy;
    int proxyPort;
    final List<CliProcess> others = new ArrayList<>();

    @BeforeEach
    void files() throws Exception {
        file = TestFiles.random(work.resolve("files/big.bin"), FILE_SIZE, 14);
        sha256 = TestFiles.sha256(file);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            System.out.println("--- proxy output\n" + String.join("\n", proxy.stdout()));   // kept in the surefire report
        }
        for (CliProcess p : others) {
            p.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (servers != null) {
            for (CliProcess s : servers) {
                if (s != null) {
                    s.process().toHandle().destroyForcibly();   // a stopped process ignores SIGTERM
                }
            }
        }
    }

    @Test
    void sigkillOfTheHolderMidDownloadLosesNoByteWithReplicatedTransfer() throws Exception {
        startPool(3, "replicated");
        long seed = Long.getLong("mtcp.holderKill.seed", System.nanoTime());
        Random random = new Random(seed);
        long start = System.nanoTime();
        for (int trial = 1; trial <= TRIALS; trial++) {
            long killAt = 1 + random.nextInt(FILE_SIZE * 9 / 10);
            String context = "trial " + trial + " of seed " + seed + ", SIGKILL at " + killAt + " bytes";
            Download download = startDownload(trial);
            download.awaitReceived(killAt, context);
            int holder = holder(trial);
            servers[holder].process().destroyForcibly();        // SIGKILL on Linux
            assertThat(servers[holder].process().waitFor(10, TimeUnit.SECONDS)).as(context).isTrue();

            download.assertComplete(context);
            String failover = awaitMigration(trial, holder, context);
            System.out.println(context + ": " + pool.members().get(holder).name() + " killed, " + failover);
            servers[holder] = startServer(pool.members().get(holder));   // same name and ports, empty replica store
            servers[holder].awaitLine(l -> l.contains(" ready service="), STARTUP);
        }
        System.out.printf("%d SIGKILL trials in %.1f s%n", TRIALS, (System.nanoTime() - start) / 1e9);
    }

    /**
     * SIGSTOP: the holder goes silent instead of closing its sockets. The proxy's client gives it up
     * after {@code (missedKeepalives + 1) x keepaliveInterval} = 5 s with the defaults
     * (docs/protocol.md, "Keepalive"); the replica then asks the stopped holder first and waits out
     * the servers' control timeout (3 s) before it resumes from its copy: about 8 s of silence in
     * all. Once resumed (SIGCONT), the old holder is fenced and serves new clients as before.
     */
    @Test
    void sigstopOfTheHolderMidDownloadLosesNoByteAndTheResumedHolderIsHarmless() throws Exception {
        startPool(3, "replicated");
        String context = "SIGSTOP at 1 MiB";
        Download download = firstDownloadAtOneMiB(context);
        int holder = holder(1);
        signal("STOP", servers[holder]);
        try {
            download.assertComplete(context);
            System.out.println(context + ": " + awaitMigration(1, holder, context));
        } finally {
            signal("CONT", servers[holder]);
        }
        assertThat(servers[holder].process().isAlive()).isTrue();
        // The resumed old holder still serves: a download from it alone (mtcp get) is intact.
        PoolMember old = pool.members().get(holder);
        CliProcess get = CliProcess.mtcp("get", List.of("get", "--server",
                "127.0.0.1:" + old.service().getPort(), "/big.bin", "--plaintext"));
        others.add(get);
        assertThat(get.awaitExit(DOWNLOAD)).as(get.output()).isZero();
        Matcher json = GetCommandTest.JSON.matcher(get.stdout().get(0));
        assertThat(json.matches()).as(get.output()).isTrue();
        assertThat(json.group(3)).isEqualTo(sha256);
    }

    /** Lazy transfer (the default): the state dies with its holder, and curl says so. */
    @Test
    void sigkillOfTheHolderWithLazyTransferLosesTheDownloadWithAClearError() throws Exception {
        startPool(2, "lazy");
        String context = "lazy, SIGKILL at 1 MiB";
        Download download = firstDownloadAtOneMiB(context);
        int holder = holder(1);
        servers[holder].process().destroyForcibly();

        assertThat(download.curl.awaitExit(DOWNLOAD)).as(context + "\n" + download.curl.output()).isNotZero();
        assertThat(Files.size(download.out)).isLessThan(FILE_SIZE);
        // curl: (18) transfer closed with N bytes remaining to read
        assertThat(String.join("\n", download.curl.stderr())).as(download.curl.output())
                .containsPattern("curl: \\(18\\) transfer closed with \\d+ bytes remaining to read");
        String close = proxy.awaitLine(l -> l.contains(" close #1 "), Duration.ofSeconds(30));
        assertThat(close).as(proxy.output()).contains(" error=");
        System.out.println(context + ": " + String.join("\n", download.curl.stderr()) + "\n" + close);
    }

    // ------------------------------------------------------------------------------------------

    private void startPool(int n, String stateTransfer) throws Exception {
        pool = LocalPool.config(n);
        poolFile = PoolFiles.write(work.resolve("pool.conf"), pool);
        serverArgs = new ArrayList<>(PACED);
        serverArgs.addAll(List.of("--state-transfer", stateTransfer));
        servers = new CliProcess[n];
        for (int i = 0; i < n; i++) {
            servers[i] = startServer(pool.members().get(i));
        }
        for (CliProcess s : servers) {
            String ready = s.awaitLine(l -> l.contains(" ready service="), STARTUP);
            assertThat(ready).contains(" state-transfer=" + (stateTransfer.equals("lazy") ? "lazy" : "replicated(1)"));
        }
        proxy = CliProcess.mtcp("proxy", List.of("proxy", "--pool", poolFile.toString(), "--listen", "127.0.0.1:0",
                "--plaintext"));
        Matcher m = LISTENING.matcher(proxy.awaitLine(l -> LISTENING.matcher(l).find(), STARTUP));
        assertThat(m.find()).isTrue();
        proxyPort = Integer.parseInt(m.group(1));
    }

    private CliProcess startServer(PoolMember member) throws IOException {
        List<String> args = new ArrayList<>(List.of("file-server", "--pool", poolFile.toString(),
                "--name", member.name(), "--dir", work.resolve("files").toString(), "--plaintext"));
        args.addAll(serverArgs);
        return CliProcess.mtcp(member.name(), args);
    }

    /** The proxy's first connection: a download that has received 1 MiB. */
    private Download firstDownloadAtOneMiB(String context) throws IOException {
        Download download = startDownload(1);
        download.awaitReceived(1 << 20, context);
        return download;
    }

    /** curl through the proxy, writing to its own file; each download is the proxy's connection #n. */
    private Download startDownload(int n) throws IOException {
        Path out = work.resolve("download-" + n + ".bin");
        CliProcess curl = CliProcess.start("curl-" + n, List.of("/usr/bin/curl", "--silent", "--show-error",
                "--fail", "--max-time", String.valueOf(DOWNLOAD.toSeconds()), "--output", out.toString(),
                "--write-out", "%{http_code} %{size_download}\\n", "http://127.0.0.1:" + proxyPort + "/big.bin"));
        others.add(curl);
        return new Download(curl, out);
    }

    /** One curl download through the proxy. */
    private final class Download {
        final CliProcess curl;
        final Path out;

        Download(CliProcess curl, Path out) {
            this.curl = curl;
            this.out = out;
        }

        /** Waits until curl has written {@code bytes} bytes; fails if it ends first. */
        void awaitReceived(long bytes, String context) throws IOException {
            // Polls a file's size: there is no event to wait for (a 1 ms poll keeps the kill point close).
            await(context).atMost(DOWNLOAD).pollInterval(Duration.ofMillis(1))
                    .until(() -> size() >= bytes || !curl.process().isAlive());
            assertThat(size()).as(context + ": curl ended before the kill point\n" + curl.output())
                    .isGreaterThanOrEqualTo(bytes);
            assertThat(size()).as(context + ": the download was complete before the kill").isLessThan(FILE_SIZE);
        }

        long size() throws IOException {
            return Files.exists(out) ? Files.size(out) : 0;
        }

        /** curl succeeded, with every byte of the file. */
        void assertComplete(String context) throws Exception {
            int exit = curl.awaitExit(DOWNLOAD);
            assertThat(exit).as(context + "\n" + curl.output() + "\n" + proxy.output() + "\n" + serverOutputs()).isZero();
            assertThat(curl.stdout()).as(context).containsExactly("200 " + FILE_SIZE);
            assertThat(TestFiles.sha256(out)).as(context).isEqualTo(sha256);
        }
    }

    private String serverOutputs() {
        StringBuilder all = new StringBuilder();
        for (CliProcess s : servers) {
            all.append(s.output()).append('\n');
        }
        return all.toString();
    }

    /** The server holding the proxy's connection #n now: where it opened, or where it last moved to. */
    private int holder(int n) throws InterruptedException {
        Matcher open = OPEN.matcher(proxy.awaitLine(l -> l.contains(" open #" + n + " "), Duration.ofSeconds(30)));
        assertThat(open.find()).as(proxy.output()).isTrue();
        String server = open.group(2);
        for (String line : proxy.stdout()) {
            Matcher m = MIGRATION.matcher(line);
            if (m.find() && m.group(1).equals(String.valueOf(n))) {
                server = m.group(3);
            }
        }
        return Integer.parseInt(server.substring(1)) - 1;
    }

    /** The proxy's line for connection #n moving away from the dead {@code holder} to another server. */
    private String awaitMigration(int n, int holder, String context) throws InterruptedException {
        String from = pool.members().get(holder).name();
        String line = proxy.awaitLine(l -> l.contains(" migration #" + n + " ") && l.contains(" from=" + from + " "),
                Duration.ofSeconds(30));
        Matcher m = MIGRATION.matcher(line);
        assertThat(m.find()).as(context + ": " + line).isTrue();
        assertThat(m.group(3)).as(context).isNotEqualTo(from);
        String close = proxy.awaitLine(l -> l.contains(" close #" + n + " "), Duration.ofSeconds(30));
        assertThat(close).as(context + "\n" + proxy.output()).doesNotContain(" error=");
        return line.substring(line.indexOf("migration #"));
    }

    /** kill -SIG pid: ProcessHandle sends only SIGTERM and SIGKILL. */
    private static void signal(String name, CliProcess target) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(target.process().pid()))
                .redirectErrorStream(true).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -" + name).isZero();
    }
}
