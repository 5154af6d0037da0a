package org.mtcp.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code mtcp bench}: the benchmarks of {@code docs/benchmarks.md}. Each subcommand prints
 * progress on stderr, writes CSV files of the raw numbers and PNG plots under {@code --out}
 * ({@code target/bench} by default), and ends with a short table on stdout. Benchmarks report;
 * they do not pass or fail (a run that cannot complete exits non-zero with a message).
 *
 * <p>Meant to be a subcommand of {@code org.mtcp.cli.Main}; {@link BenchMain} runs it alone.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        version = "mtcp bench 0.1.0",
        description = {
            "Benchmarks: the paper's Figures 6 and 7, M-TCP against plain TCP, the front-end against plain JDBC, draining a front-end, failover after a SIGKILL or SIGSTOP of the holder.",
            "Each command prints progress on stderr and a short table on stdout, and writes CSV and PNG files under --out.",
            "The JMH micro-benchmarks of the transport's hot paths are a separate jar: see docs/benchmarks.md."},
        subcommands = {
            MigrationCommand.class,
            StreamCommand.class,
            ThroughputCommand.class,
            FrontendBenchCommand.class,
            IdleCommand.class,
            DrainCommand.class,
            FailoverCommand.class,
            CommandLine.HelpCommand.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
