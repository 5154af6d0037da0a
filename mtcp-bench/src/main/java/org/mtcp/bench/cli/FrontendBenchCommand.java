package org.mtcp.bench.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.mtcp.bench.Progress;
import org.mtcp.bench.frontend.FrontendBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "frontend",
        mixinStandardHelpOptions = true,
        description = {
            "Transactions per second through the migratory front-end (batches of transfers POSTed over M-TCP) "
                    + "against the same transfers issued directly over JDBC: same database, same run, phases alternating. "
                    + "The ratio is the price of migratability (no migration happens).",
            "Database: an embedded PostgreSQL 17 (a fresh database in it), or --db URL (a bench schema is created there; "
                    + "the front-end's Flyway migrations run too).",
            "--state-transfer lazy,replicated starts a pool of front-ends per strategy (same database) and adds a mode "
                    + "per strategy to the alternation (frontend/lazy, frontend/replicated(1)); the front-end exports "
                    + "before every COMMIT, so replicated transfer pushes to a replica once per transaction.",
            "--links plain,tls (or --tls) starts a pool of front-ends per link kind too (TLS 1.3 on every link, "
                    + "a throwaway CA) and adds their modes to the alternation (frontend+tls); the table gives each mode's "
                    + "transactions/s and this JVM's CPU per transaction (clients and front-ends; the database runs apart).",
            "Writes frontend.csv and frontend.png under --out."})
final class FrontendBenchCommand implements Callable<Integer> {

    @Option(names = "--db", paramLabel = "JDBC_URL",
            description = "PostgreSQL to use, e.g. jdbc:postgresql://localhost/bench?user=u&password=p "
                    + "(default: an embedded PostgreSQL 17, or MTCP_TEST_PG_URL when set).")
    String db;

    @Option(names = "--clients", defaultValue = "4", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--batch", defaultValue = "10", description = "Transfers per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--duration", converter = BenchConverters.Time.class, defaultValue = "10s",
            description = "Length of each measured phase (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--runs", defaultValue = "2", description = "Phases per mode, alternating (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--accounts", defaultValue = "10000", description = "Accounts transfers pick from (default: ${DEFAULT-VALUE}).")
    int accounts;

    @Option(names = "--frontends", defaultValue = "2", description = "Front-ends in the pool (default: ${DEFAULT-VALUE}).")
    int frontends;

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
        if (clients < 1 || batch < 1 || runs < 1 || accounts < 2 || frontends < 1 || duration.isZero()) {
            throw new IllegalArgumentException("--clients, --batch, --runs, --frontends must be positive, "
                    + "--accounts at least 2, --duration above 0");
        }
        Progress progress = new Progress(System.err, "bench frontend");
        FrontendBench.Result r = new FrontendBench(new FrontendBench.Params(db, clients, batch, duration, runs, accounts,
                frontends, stateTransfer.checked(spec), links.checked(spec), output.out), progress).run();
        progress.say("done; CSV and PNG in %s", output.out.toAbsolutePath());
        FrontendBench.table(r).print(System.out);
        return 0;
    }
}
