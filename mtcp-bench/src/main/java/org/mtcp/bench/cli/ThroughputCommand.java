package org.mtcp.bench.cli;

import java.util.concurrent.Callable;
import org.mtcp.bench.Progress;
import org.mtcp.bench.ThroughputBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "throughput",
        mixinStandardHelpOptions = true,
        description = {
            "Bulk transfer (server to client, loopback) over M-TCP and over a plain TCP socket in the same run, "
                    + "alternating: MB/s, the ratio, and CPU seconds per GB (the whole process: both ends and the GC).",
            "The M-TCP server exports an 8-byte snapshot every --snapshot-every bytes; the client never migrates.",
            "--state-transfer lazy,replicated adds an M-TCP transport per strategy to the alternation (m-tcp/lazy, "
                    + "m-tcp/replicated(1)): replicated transfer pushes the whole state to a replica at every export, "
                    + "so --snapshot-every sets its cost.",
            "--links plain,tls (or --tls) adds plain TLS over TCP (the same bulk path over an SSLSocket pair, TLS 1.3, "
                    + "the cipher suite the JDK picks) and an M-TCP transport over TLS per strategy (m-tcp+tls) to the "
                    + "alternation; each M-TCP transport is compared with its baseline: plain TCP, or plain TLS over TCP.",
            "Writes throughput.csv, throughput-summary.csv, throughput-frames.csv (M-TCP DATA and ACK frames per MB each way)"
                    + " and throughput.png under --out."})
final class ThroughputCommand implements Callable<Integer> {

    @Option(names = "--size", converter = BenchConverters.Size.class, defaultValue = "256m",
            description = "Bytes per transfer (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--runs", defaultValue = "5", description = "Transfers per transport (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "1",
            description = "Unmeasured transfers per transport first, so that the JIT has compiled the data path "
                    + "(default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--buffer", converter = BenchConverters.IntSize.class, defaultValue = "64k",
            description = "Application write and read size (default: ${DEFAULT-VALUE}).")
    int buffer;

    @Option(names = "--snapshot-every", converter = BenchConverters.Size.class, defaultValue = "1m",
            description = "M-TCP server exports its position this often (default: ${DEFAULT-VALUE}).")
    long snapshotEvery;

    @Mixin
    StateTransferOption stateTransfer;

    @Mixin
    LinksOption links;

    @Mixin
    OutputOption output;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || size < 1 || buffer < 1 || snapshotEvery < 1 || warmup < 1) {
            throw new IllegalArgumentException("--runs, --warmup, --size, --buffer and --snapshot-every must be positive");
        }
        var transfers = stateTransfer.checked(spec);
        Progress progress = new Progress(System.err, "bench throughput");
        ThroughputBench.Result r = new ThroughputBench(
                new ThroughputBench.Params(size, runs, warmup, buffer, snapshotEvery, transfers,
                        links.checked(spec), output.out), progress).run();
        progress.say("done; CSV and PNG in %s", output.out.toAbsolutePath());
        ThroughputBench.table(r).print(System.out);
        return 0;
    }
}
