package org.mtcp.bench.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.mtcp.bench.Progress;
import org.mtcp.bench.StreamBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "stream",
        mixinStandardHelpOptions = true,
        description = {
            "The paper's Figure 7: a stream sent in chunks at regular intervals by servers that slow down after "
                    + "--degrade-after bytes on a connection; bytes received by the client over time.",
            "Cases: plain TCP from a server that never degrades (the ideal), plain TCP from a degrading server, and "
                    + "M-TCP over two degrading servers with the inbound-rate policy, one case per --snapshot-sizes "
                    + "(the server exports a snapshot of that size after every chunk).",
            "Writes stream.csv (bytes over time, median run of each case), stream-migrations.csv, "
                    + "stream-summary.csv and stream.png under --out."})
final class StreamCommand implements Callable<Integer> {

    @Option(names = "--total", converter = BenchConverters.Size.class, defaultValue = "256k",
            description = "Stream length (default: ${DEFAULT-VALUE}, as in the paper).")
    long total;

    @Option(names = "--chunk", converter = BenchConverters.IntSize.class, defaultValue = "1k",
            description = "Chunk size (default: ${DEFAULT-VALUE}, as in the paper).")
    int chunk;

    @Option(names = "--interval", converter = BenchConverters.Time.class, defaultValue = "2ms",
            description = "Time between two chunks at full speed (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--degrade-after", converter = BenchConverters.Size.class, defaultValue = "32k",
            description = "Bytes a server sends on a connection before it slows down (default: ${DEFAULT-VALUE}, as in the paper).")
    long degradeAfter;

    @Option(names = "--degrade-step", converter = BenchConverters.Time.class, defaultValue = "1ms",
            description = "Once slow, each chunk waits this much longer than the previous one (default: ${DEFAULT-VALUE}).")
    Duration step;

    @Option(names = "--degrade-max", converter = BenchConverters.Time.class, defaultValue = "20ms",
            description = "Longest wait before one chunk (default: ${DEFAULT-VALUE}).")
    Duration max;

    @Option(names = "--snapshot-sizes", split = ",", converter = BenchConverters.IntSize.class, defaultValue = "2k,10k,16k",
            description = "Snapshot sizes of the M-TCP cases (default: ${DEFAULT-VALUE}, as in the paper).")
    List<Integer> snapshotSizes;

    @Option(names = "--policy", defaultValue = "rate:sample=10ms",
            description = "Client migration policy, as for ./mtcp proxy (default: ${DEFAULT-VALUE}: the paper's "
                    + "alpha 1/8 and 25%% drop, 10 ms rate samples).")
    String policy;

    @Option(names = "--cooldown", converter = BenchConverters.Time.class, defaultValue = "0",
            description = "Least time between two policy migrations (default: ${DEFAULT-VALUE}).")
    Duration cooldown;

    @Option(names = "--rtt", converter = BenchConverters.Time.class, defaultValue = "0",
            description = "Emulated RTT on client and control paths, 0 for loopback (default: ${DEFAULT-VALUE}).")
    Duration rtt;

    @Option(names = "--runs", defaultValue = "3",
            description = "Runs per case; the median is reported, its trace plotted (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--standby",
            description = "The M-TCP client keeps a standby link to the next server (no TCP handshake per migration).")
    boolean standby;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || chunk < 1 || total < chunk) {
            throw new IllegalArgumentException("need --runs >= 1 and --total >= --chunk >= 1");
        }
        Progress progress = new Progress(System.err, "bench stream");
        StreamBench.Result r = new StreamBench(new StreamBench.Params(total, chunk, interval, degradeAfter, step, max,
                snapshotSizes, policy, cooldown, rtt, runs, output.out, standby), progress).run();
        progress.say("done; CSV and PNG in %s", output.out.toAbsolutePath());
        StreamBench.table(r).print(System.out);
        return 0;
    }
}
