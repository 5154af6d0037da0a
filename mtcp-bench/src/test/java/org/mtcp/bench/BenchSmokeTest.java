package org.mtcp.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.bench.cli.BenchMain;
import picocli.CommandLine;

/**
 * Benchmarks are not tests: this only checks that each command runs end to end with tiny
 * parameters and leaves its CSV (with the documented columns) and its PNG. No timing is asserted.
 */
class BenchSmokeTest {

    @TempDir
    Path out;

    private int run(String... args) {
        CommandLine cl = BenchMain.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        assertThat(code).as("exit code; stderr: %s", err).isZero();
        return code;
    }

    private void assertCsv(String name, String header) throws IOException {
        Path f = out.resolve(name);
        assertThat(f).exists();
        List<String> lines = Files.readAllLines(f);
        assertThat(lines.get(0)).isEqualTo(header);
        assertThat(lines).hasSizeGreaterThan(1);
        int columns = header.split(",").length;
        for (String l : lines) {
            assertThat(l.split(",", -1)).as(l).hasSize(columns);
        }
    }

    private void assertPng(String name) throws IOException {
        Path f = out.resolve(name);
        assertThat(f).exists();
        byte[] b = Files.readAllBytes(f);
        assertThat(b.length).isGreaterThan(1000);
        assertThat(new String(b, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    @Test
    void migration() throws IOException {
        run("migration", "--runs", "3", "--warmup", "2", "--sizes", "0,2k", "--rtt", "0,1ms", "--out", out.toString());
        assertCsv("migration.csv", "path,state_transfer,rtt_us,size_bytes,run,protocol_us,call_us,link");
        assertCsv("migration-summary.csv", MIGRATION_SUMMARY);
        assertPng("migration.png");
    }

    @Test
    void stream() throws IOException {
        run("stream", "--total", "16k", "--degrade-after", "4k", "--interval", "1ms", "--degrade-max", "4ms",
                "--snapshot-sizes", "2k", "--runs", "1", "--out", out.toString());
        assertCsv("stream.csv", "series,t_ms,bytes");
        assertCsv("stream-summary.csv", "series,runs,completion_median_ms,completion_min_ms,completion_max_ms,"
                + "ratio_to_ideal,migrations_median");
        assertThat(out.resolve("stream-migrations.csv")).exists();
        assertPng("stream.png");
    }

    @Test
    void throughput() throws IOException {
        run("throughput", "--size", "4m", "--runs", "1", "--out", out.toString());
        assertCsv("throughput.csv", "transport,state_transfer,run,bytes,seconds,mb_per_s,cpu_s,cpu_s_per_gb,gc_ms,link");
        assertCsv("throughput-summary.csv", THROUGHPUT_SUMMARY);
        assertThat(column(out.resolve("throughput-summary.csv"), 0)).containsExactly("tcp", "m-tcp");
        assertPng("throughput.png");
    }

    @Test
    void frontend() throws IOException {
        run("frontend", "--duration", "500ms", "--runs", "1", "--clients", "2", "--batch", "3", "--accounts", "100",
                "--frontends", "1", "--out", out.toString());
        assertCsv("frontend.csv", FRONTEND_HEADER);
        assertPng("frontend.png");
    }

    /** Column {@code index} of every data line of a CSV file. */
    private static List<String> column(Path csv, int index) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        return lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)[index]).toList();
    }

    private static final String MIGRATION_SUMMARY = "path,state_transfer,rtt_us,measured_rtt_us,lower_bound_us,size_bytes,"
            + "runs,median_us,p90_us,p99_us,median_rtts,lazy_transfer_us,call_median_us,ratio_to_first_strategy,link,"
            + "cpu_us_per_migration,ratio_to_plain,extra_rtts_vs_plain,resumed_fraction";
    private static final String THROUGHPUT_SUMMARY = "transport,state_transfer,runs,mb_per_s_median,mb_per_s_min,"
            + "mb_per_s_max,cpu_s_per_gb_median,gc_ms_per_gb_median,ratio_to_tcp,ratio_to_first_strategy,link,baseline,"
            + "mb_per_s_ratio_to_baseline,cpu_per_gb_ratio_to_baseline,tls_cipher_suite";
    private static final String FRONTEND_HEADER = "mode,state_transfer,run,clients,batch,seconds,transactions,aborted,tps,"
            + "batch_ms_median,batch_ms_p99,link,jvm_cpu_us_per_transaction";

    /**
     * --tls: plain TCP, plain TLS over TCP, M-TCP and M-TCP over TLS in one run; M-TCP over TLS is
     * compared with plain TLS, and the cipher suite the JDK chose is recorded.
     */
    @Test
    void throughputComparesTlsWithPlaintextInOneRun() throws IOException {
        String stdout = runCapturing("throughput", "--size", "2m", "--runs", "2", "--tls", "--out", out.toString());
        assertCsv("throughput-summary.csv", THROUGHPUT_SUMMARY);
        assertThat(column(out.resolve("throughput-summary.csv"), 0)).containsExactly("tcp", "tls", "m-tcp", "m-tcp+tls");
        assertThat(column(out.resolve("throughput-summary.csv"), 10)).containsExactly("plain", "tls", "plain", "tls");
        assertThat(column(out.resolve("throughput-summary.csv"), 11)).containsExactly("-", "-", "tcp", "tls");
        assertThat(column(out.resolve("throughput-summary.csv"), 14)).element(1).asString().startsWith("TLS_");
        assertThat(column(out.resolve("throughput.csv"), 9)).containsOnly("plain", "tls").hasSize(8);
        assertThat(stdout).contains("CPU/GB x baseline").contains("m-tcp+tls");
    }

    /**
     * --tls: plain, tls (resuming) and tls-full (sessions forgotten) side by side. The JFR count of
     * certificate chain checks tells full handshakes from resumed ones: tls-full never resumes,
     * tls resumes when it comes back to a server it has been on (every migration after the first
     * two goes back to one). Behaviour, not timing.
     */
    @Test
    void migrationComparesTlsWithPlaintextAndCountsResumption() throws IOException {
        String stdout = runCapturing("migration", "--runs", "3", "--warmup", "2", "--sizes", "0", "--rtt", "0",
                "--tls", "--out", out.toString());
        assertCsv("migration-summary.csv", MIGRATION_SUMMARY);
        List<String> rows = Files.readAllLines(out.resolve("migration-summary.csv"));
        rows = rows.subList(1, rows.size());
        assertThat(column(out.resolve("migration-summary.csv"), 14))
                .containsExactly("plain", "tls", "tls-full", "plain", "tls", "tls-full");
        for (String row : rows) {
            String[] f = row.split(",");
            switch (f[14]) {
                case "plain" -> assertThat(f[18]).as(row).isEqualTo("-");
                case "tls" -> assertThat(Double.parseDouble(f[18])).as(row).isPositive();
                default -> assertThat(Double.parseDouble(f[18])).as(row).isZero();
            }
            assertThat(f[16]).as(row).isNotEqualTo("-"); // a ratio to plaintext: plain ran in the same run
        }
        assertThat(column(out.resolve("migration.csv"), 7)).containsOnly("plain", "tls", "tls-full").hasSize(18);
        assertThat(stdout).contains("+RTTs vs plain").contains("tls-full");
    }

    @Test
    void frontendComparesTlsWithPlaintextInOneRun() throws IOException {
        String stdout = runCapturing("frontend", "--duration", "300ms", "--runs", "1", "--clients", "1", "--batch", "2",
                "--accounts", "100", "--frontends", "1", "--tls", "--out", out.toString());
        assertCsv("frontend.csv", FRONTEND_HEADER);
        assertThat(column(out.resolve("frontend.csv"), 0)).containsExactlyInAnyOrder("jdbc", "frontend", "frontend+tls");
        assertThat(column(out.resolve("frontend.csv"), 11)).containsExactlyInAnyOrder("-", "plain", "tls");
        assertThat(stdout).contains("JVM CPU us/transaction").contains("frontend+tls");
    }

    @Test
    void linksAreCheckedAsUsageErrors() {
        CommandLine cl = BenchMain.commandLine();
        cl.setErr(new PrintWriter(new StringWriter()));
        assertThat(cl.execute("throughput", "--links", "quic")).isEqualTo(2);
        assertThat(cl.execute("migration", "--links", "tls,tls")).isEqualTo(2);
        assertThat(cl.execute("frontend", "--tls", "--links", "tls")).isEqualTo(2);
    }

    @Test
    void throughputComparesStateTransfersInOneRun() throws IOException {
        String stdout = runCapturing("throughput", "--size", "1m", "--runs", "2", "--snapshot-every", "256k",
                "--state-transfer", "lazy,replicated", "--out", out.toString());
        assertThat(column(out.resolve("throughput.csv"), 1)).containsOnly("-", "lazy", "replicated(1)").hasSize(6);
        assertThat(column(out.resolve("throughput-summary.csv"), 0))
                .containsExactly("tcp", "m-tcp/lazy", "m-tcp/replicated(1)");
        assertThat(column(out.resolve("throughput-summary.csv"), 9)).startsWith("-", "1.000");
        assertThat(stdout).contains("x m-tcp/lazy").contains("m-tcp/replicated(1)");
    }

    @Test
    void migrationComparesStateTransfersInOneRun() throws IOException {
        String stdout = runCapturing("migration", "--runs", "2", "--warmup", "1", "--sizes", "0,1k", "--rtt", "0",
                "--state-transfer", "lazy,replicated:1", "--out", out.toString());
        // 2 links x 2 strategies x 2 sizes x 2 runs
        assertThat(column(out.resolve("migration.csv"), 1)).hasSize(16).containsOnly("lazy", "replicated(1)");
        assertThat(column(out.resolve("migration-summary.csv"), 1)).hasSize(8).containsOnly("lazy", "replicated(1)");
        assertThat(stdout).contains("state transfer").contains("x lazy").contains("replicated(1)");
    }

    @Test
    void frontendComparesStateTransfersInOneRun() throws IOException {
        String stdout = runCapturing("frontend", "--duration", "300ms", "--runs", "1", "--clients", "1", "--batch", "2",
                "--accounts", "100", "--frontends", "1", "--state-transfer", "lazy,replicated", "--out", out.toString());
        assertThat(column(out.resolve("frontend.csv"), 0)).containsExactlyInAnyOrder("jdbc", "frontend/lazy",
                "frontend/replicated(1)");
        assertThat(column(out.resolve("frontend.csv"), 1)).containsExactlyInAnyOrder("-", "lazy", "replicated(1)");
        assertThat(stdout).contains("x frontend/lazy");
    }

    /**
     * Real server processes, SIGKILLed and SIGSTOPped: with replicated transfer every round ends
     * with every byte of the stream, checked; with lazy transfer the kill ends it in the client's
     * error (a row, not a crash). No timing is asserted.
     */
    @Test
    void failoverKillsRealProcesses() throws IOException {
        String stdout = runCapturing("failover", "--rounds", "2", "--lazy-rounds", "1", "--signal", "KILL",
                "--state-transfer", "replicated,lazy", "--stream", "1m", "--rate", "4m", "--seed", "14",
                "--out", out.toString());
        List<String> rows = failoverRows();
        assertThat(rows.stream().filter(l -> l.startsWith("replicated(1),KILL,")).toList()).as(String.join("\n", rows))
                .hasSize(2).allSatisfy(BenchSmokeTest::intactAfterAFailover);
        // lazy transfer: the state died with the holder; the client's error is a row of the result
        assertThat(rows.stream().filter(l -> l.startsWith("lazy,KILL,")).toList()).as(String.join("\n", rows))
                .singleElement().satisfies(l -> assertThat(l.split(",")[7]).isEqualTo("error"));
        assertThat(stdout).contains("SIGKILL").contains("gap ms median").contains("lazy");
    }

    /** The server processes over TLS (keys of a throwaway CA): a SIGKILL round still ends intact. */
    @Test
    void failoverOverTls() throws IOException {
        String stdout = runCapturing("failover", "--rounds", "1", "--signal", "KILL", "--state-transfer", "replicated",
                "--stream", "1m", "--rate", "4m", "--seed", "16", "--tls", "--out", out.toString());
        List<String> rows = failoverRows();
        assertThat(rows).as(String.join("\n", rows)).singleElement().satisfies(BenchSmokeTest::intactAfterAFailover);
        assertThat(Files.readString(out.resolve("failover-s1.log"))).contains("links TLS 1.3");
        assertThat(stdout).contains("SIGKILL");
    }

    /**
     * SIGSTOP, then SIGCONT once the stream is over: intact, and the command ends. With a faster
     * silence bound (--keepalive, --missed-keepalives) and control timeout, which the target
     * column reflects: (2 + 1) x 250 ms + 500 ms. No timing asserted.
     */
    @Test
    void failoverStopsARealProcess() throws IOException {
        String stdout = runCapturing("failover", "--stop-rounds", "1", "--signal", "STOP", "--state-transfer",
                "replicated", "--stream", "1m", "--rate", "2m", "--keepalive", "250ms", "--missed-keepalives", "2",
                "--control-timeout", "1s", "--out", out.toString());
        List<String> rows = failoverRows();
        assertThat(rows).as(String.join("\n", rows)).singleElement().satisfies(BenchSmokeTest::intactAfterAFailover);
        assertThat(column(out.resolve("failover-summary.csv"), 13)).containsExactly("1250.000");
        assertThat(stdout).contains("SIGSTOP");
    }

    /** Every byte checked and there, and the connection ended on another server than the one signalled. */
    private static void intactAfterAFailover(String row) {
        String[] f = row.split(",");
        assertThat(f[7]).as(row).isEqualTo("intact");
        assertThat(f[6]).as("new holder: " + row).isNotEqualTo(f[5]);
        assertThat(Integer.parseInt(f[12])).as("failovers: " + row).isPositive();
    }

    /** failover.csv's data lines, after checking both CSV files' columns. */
    private List<String> failoverRows() throws IOException {
        assertCsv("failover.csv", org.mtcp.bench.failover.FailoverBench.HEADER);
        assertCsv("failover-summary.csv", org.mtcp.bench.failover.FailoverBench.SUMMARY_HEADER);
        List<String> lines = Files.readAllLines(out.resolve("failover.csv"));
        return lines.subList(1, lines.size());
    }

    /** Runs a command, asserts it exited with 0, returns what it printed on stdout. */
    private String runCapturing(String... args) {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            run(args);
        } finally {
            System.setOut(stdout);
        }
        String printed = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        stdout.print(printed);
        return printed;
    }

    @Test
    void unknownOrRepeatedStateTransfersAreUsageErrors() {
        CommandLine cl = BenchMain.commandLine();
        cl.setErr(new PrintWriter(new StringWriter()));
        assertThat(cl.execute("throughput", "--state-transfer", "eager")).isEqualTo(2);
        assertThat(cl.execute("migration", "--state-transfer", "lazy,lazy")).isEqualTo(2);
        assertThat(cl.execute("failover", "--state-transfer", "replicated:3", "--servers", "3")).isEqualTo(2);
    }

    @Test
    void idle() throws IOException {
        run("idle", "--connections", "5", "--settle", "0s", "--window", "1s", "--out", out.toString());
        assertCsv("idle.csv", org.mtcp.bench.frontend.IdleBench.HEADER);
        assertThat(Files.readAllLines(out.resolve("idle.csv"))).as("direct: front-end and clients; proxy: proxy and "
                + "front-end").hasSize(5).allSatisfy(l -> assertThat(l).doesNotContain("NaN"));
    }

    @Test
    void drain() throws IOException {
        run("drain", "--connections", "12", "--mid-batch", "3", "--batch", "4", "--runs", "1", "--warmup", "0",
                "--accounts", "100",
                "--out", out.toString());
        assertCsv("drain.csv", "run,connections,mid_batch,mid_batch_at_drain,held,moved,dropped,drain_ms,last_move_ms,"
                + "move_us_median,move_us_p99,moved_to,batches_ok,batches_failed");
        // not a timing: every idle connection moved (a batch may end, and its connection close, first),
        // none was dropped, every batch in flight completed
        String[] row = Files.readAllLines(out.resolve("drain.csv")).get(1).split(",");
        assertThat(row[4]).as("held").isEqualTo("12");
        assertThat(Integer.parseInt(row[5])).as("moved").isBetween(9, 12);
        assertThat(row[6]).as("dropped").isEqualTo("0");
        assertThat(row[12]).as("batches ok").isEqualTo("3");
        assertPng("drain.png");
    }

    @Test
    void usageErrorsExitWithTwo() {
        CommandLine cl = BenchMain.commandLine();
        cl.setErr(new PrintWriter(new StringWriter()));
        assertThat(cl.execute("migration", "--sizes", "lots")).isEqualTo(2);
        assertThat(cl.execute("stream", "--rtt", "5")).isEqualTo(2);
    }

    @Test
    void everySubcommandHasHelp() {
        for (String sub : List.of("migration", "stream", "throughput", "frontend", "drain", "failover")) {
            CommandLine cl = BenchMain.commandLine();
            StringWriter o = new StringWriter();
            cl.setOut(new PrintWriter(o));
            assertThat(cl.execute(sub, "--help")).isZero();
            assertThat(o.toString()).contains("--out");
        }
    }
}
