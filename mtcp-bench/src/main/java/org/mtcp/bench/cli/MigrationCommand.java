package org.mtcp.bench.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.mtcp.bench.BenchPool;
import org.mtcp.bench.MigrationBench;
import org.mtcp.bench.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "migration",
        mixinStandardHelpOptions = true,
        description = {
            "The paper's Figure 6: time to complete a migration, measured at the client from initiation (TCP connect "
                    + "to the new server) until data exchange can start (WELCOME), against the snapshot size.",
            "A pool of two servers in this JVM; one connection migrates back and forth, --runs times per size. "
                    + "Also measured on each path: the RTT (plain TCP ping-pong) and the lower bound of a migration, "
                    + "a TCP handshake plus one round trip; the rest is the lazy state transfer.",
            "Paths: --rtt 0 is plain loopback; --rtt 1ms puts delay proxies (0.5 ms each way) on the client paths "
                    + "and on the control paths; a new connection through them pays the TCP handshake's round trip.",
            "Each path is measured twice: cold (TCP connect, HELLO/WELCOME) and with a standby link (rows "
                    + "'PATH+standby' in the CSVs: the client keeps an idle link to the next server, no TCP handshake).",
            "--state-transfer lazy,replicated measures each strategy with a pool and a connection of its own, migrated "
                    + "in turn in every run (rows per strategy; 'x lazy' is the ratio to the first within the run).",
            "--links plain,tls (or --tls) measures each link kind with a pool and a connection of its own, in the same "
                    + "alternation: plain, tls (the client resumes its TLS session with a server it comes back to, as the "
                    + "JDK does on its own) and tls-full (the client forgets its TLS sessions before every migration: full "
                    + "handshakes); 'x plain' and '+RTTs vs plain' compare each with plaintext, 'resumed' is the share of "
                    + "migrations whose TLS handshake checked no certificate chain (JFR jdk.X509Validation).",
            "Writes migration.csv (every run), migration-summary.csv and migration.png under --out."})
final class MigrationCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--sizes", split = ",", paramLabel = "SIZE", converter = BenchConverters.IntSize.class,
            defaultValue = "0,1k,2k,4k,8k,12k,16k",
            description = "Snapshot sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes;

    @Option(names = "--runs", defaultValue = "200", description = "Measured migrations per size and path (default: ${DEFAULT-VALUE}, as in the paper).")
    int runs;

    @Option(names = "--warmup", defaultValue = "1000", description = "Unmeasured migrations per path first, so that the JIT has compiled the path as in a long-running server (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--rtt", split = ",", paramLabel = "DURATION", converter = BenchConverters.Time.class,
            defaultValue = "0,1ms",
            description = "Paths to measure: 0 is loopback, a duration is an emulated RTT on client and control paths (default: ${DEFAULT-VALUE}).")
    List<Duration> rtts;

    @Option(names = "--delay", defaultValue = "both", paramLabel = "both|client|control",
            description = "Which paths a non-zero --rtt delays: both (default), only the client paths, only the control "
                    + "paths (to tell their shares apart). The reference RTT is measured on the client path, or on "
                    + "plain loopback when only the control path is delayed.")
    String delay;

    @Mixin
    StateTransferOption stateTransfer;

    @Mixin
    LinksOption links;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || warmup < 0 || sizes.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--runs must be at least 1 and --warmup at least 0");
        }
        BenchPool.Paths paths = switch (delay.toLowerCase(java.util.Locale.ROOT)) {
            case "both" -> BenchPool.Paths.BOTH;
            case "client" -> BenchPool.Paths.CLIENT;
            case "control" -> BenchPool.Paths.CONTROL;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--delay must be both, client or control, not '" + delay + "'");
        };
        Progress progress = new Progress(System.err, "bench migration");
        MigrationBench bench = new MigrationBench(
                new MigrationBench.Params(sizes, runs, warmup, rtts, paths, stateTransfer.checked(spec),
                        links.checked(spec), output.out), progress);
        MigrationBench.Result r = bench.run();
        progress.say("done; CSV and PNG in %s", output.out.toAbsolutePath());
        bench.table(r).print(System.out);
        return 0;
    }
}
