package org.mtcp.bench.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.mtcp.bench.Progress;
import org.mtcp.bench.frontend.DrainBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "drain",
        mixinStandardHelpOptions = true,
        description = {
            "Time to drain a front-end: --connections live M-TCP connections on one front-end of a pool of three "
                    + "(loopback, this JVM), --mid-batch of them running a batch of transfers, the others idle on keep-alive; "
                    + "then the front-end drains (as on SIGTERM): every client moves to one of the two peers.",
            "Reports the drain's time (until nothing is held, Jetty and the database pool stopped), when the last client "
                    + "had moved, and whether every batch in flight still completed. A fresh pool per run.",
            "Database: an embedded PostgreSQL 17, or --db URL. Writes drain.csv and drain.png under --out."})
final class DrainCommand implements Callable<Integer> {

    @Option(names = "--db", paramLabel = "JDBC_URL",
            description = "PostgreSQL to use, e.g. jdbc:postgresql://localhost/bench?user=u&password=p "
                    + "(default: an embedded PostgreSQL 17).")
    String db;

    @Option(names = "--connections", defaultValue = "1000",
            description = "Live connections on the draining front-end (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--mid-batch", defaultValue = "100",
            description = "How many of them are in the middle of a batch when the drain starts (default: ${DEFAULT-VALUE}).")
    int midBatch;

    @Option(names = "--batch", defaultValue = "20", description = "Transfers per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--runs", defaultValue = "5", description = "Drains measured (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "1",
            description = "Runs before the measured ones, not counted: a cold JVM (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--line-delay", converter = BenchConverters.Time.class, defaultValue = "50ms",
            description = "The draining front-end writes each response line this late (its slow-down knob), so that the "
                    + "batches are still under way when the drain starts (default: ${DEFAULT-VALUE}).")
    Duration lineDelay;

    @Option(names = "--slow-peers",
            description = "The peers get the same --line-delay: the batches they take over run slowly, so the drain "
                    + "competes less with running them (everything shares this machine's cores).")
    boolean slowPeers;

    @Option(names = "--accounts", defaultValue = "10000", description = "Accounts transfers pick from (default: ${DEFAULT-VALUE}).")
    int accounts;

    @Option(names = "--drain-timeout", converter = BenchConverters.Time.class, defaultValue = "30s",
            description = "The drain's timeout: connections still held then are dropped (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        if (connections < 1 || midBatch < 0 || midBatch > connections || batch < 2 || runs < 1 || warmup < 0
                || accounts < 2 || timeout.isZero() || lineDelay.isNegative()) {
            throw new IllegalArgumentException("--connections and --runs must be positive, --mid-batch between 0 and "
                    + "--connections, --batch and --accounts at least 2, --warmup and --line-delay not negative, --drain-timeout above 0");
        }
        Progress progress = new Progress(System.err, "bench drain");
        DrainBench.Result r = new DrainBench(new DrainBench.Params(db, connections, midBatch, batch, runs, warmup,
                accounts, lineDelay, slowPeers, timeout, output.out), progress).run();
        progress.say("done; CSV and PNG in %s", output.out.toAbsolutePath());
        DrainBench.table(r).print(System.out);
        return 0;
    }
}
