package org.mtcp.bench.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.mtcp.bench.Progress;
import org.mtcp.bench.frontend.IdleBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "idle",
        mixinStandardHelpOptions = true,
        description = {
            "What idle HTTP keep-alive connections cost: N of them (loopback) held open against one front-end directly "
                    + "(M-TCP clients in this JVM) and through one proxy (plain TCP clients in this JVM). The front-end and "
                    + "the proxy run in JVMs of their own: for each, the heap used after a full GC before and after the "
                    + "connections (per connection) and the CPU over an idle window; then a request on a new connection "
                    + "and on an idle one must be answered.",
            "Targets (issue 11): at most 32 KiB of heap per connection and under 5% of a core in total while idle, "
                    + "each side. The proxy holds 2 file descriptors per connection: N is lowered to what the limit "
                    + "allows (said on stderr).",
            "Database: an embedded PostgreSQL 17, or --db URL. Writes idle.csv under --out."})
final class IdleCommand implements Callable<Integer> {

    @Option(names = "--connections", defaultValue = "10000",
            description = "Idle connections per path (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--settle", converter = BenchConverters.Time.class, defaultValue = "40s",
            description = "Wait after opening, before measuring: the keepalives back off to their 30 s ceiling in "
                    + "31 s (default: ${DEFAULT-VALUE}).")
    Duration settle;

    @Option(names = "--window", converter = BenchConverters.Time.class, defaultValue = "60s",
            description = "Idle window over which CPU is measured (default: ${DEFAULT-VALUE}).")
    Duration window;

    @Option(names = "--paths", split = ",", defaultValue = "direct,proxy",
            description = "direct (M-TCP clients to the front-end) and/or proxy (default: ${DEFAULT-VALUE}).")
    List<String> paths;

    @Option(names = "--db", paramLabel = "JDBC_URL",
            description = "PostgreSQL for the front-end (default: an embedded PostgreSQL 17).")
    String db;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        if (connections < 1 || window.isNegative() || window.isZero() || settle.isNegative()) {
            throw new IllegalArgumentException("--connections and --window must be positive, --settle not negative");
        }
        Progress progress = new Progress(System.err, "bench idle");
        List<IdleBench.Row> rows = new IdleBench(new IdleBench.Params(db, connections, settle, window, paths, output.out),
                progress).run();
        progress.say("done; CSV in %s", output.out.toAbsolutePath());
        IdleBench.table(rows).print(System.out);
        return 0;
    }
}
