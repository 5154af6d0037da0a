package org.mtcp.bench.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.mtcp.bench.Progress;
import org.mtcp.bench.Strategies;
import org.mtcp.bench.failover.FailoverBench;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.transfer.StateTransfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(
        name = "failover",
        mixinStandardHelpOptions = true,
        description = {
            "The client-visible gap when the server holding a connection dies (SIGKILL) or stops (SIGSTOP, SIGCONT "
                    + "after the round): --servers real server processes on loopback (java -cp <this class path>), "
                    + "one client in this JVM with the default client options reading a paced stream and checking every "
                    + "byte. Each round signals the holder at a random point (from --seed), then restarts a killed "
                    + "server or continues a stopped one.",
            "Reports per strategy and signal: rounds intact (every byte, in order), rounds ending in the client's error "
                    + "(the expected outcome with lazy transfer), and the gap (last read before the signal to the first "
                    + "read after) with its parts: detection (signal to the failover's start), takeover (connect to "
                    + "WELCOME) and resume (WELCOME to the next bytes). Targets (issue 14): 500 ms median after SIGKILL, "
                    + "the client's silence bound + 500 ms after SIGSTOP.",
            "Writes failover.csv (every round), failover-summary.csv and the servers' logs under --out."})
final class FailoverCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--state-transfer", split = ",", paramLabel = "STRATEGY", defaultValue = "replicated,lazy",
            converter = BenchConverters.Transfer.class,
            description = "Strategies measured, one after the other (a pool of processes each): " + StateTransfer.SPECS
                    + " (default: ${DEFAULT-VALUE}).")
    List<StateTransfer> transfers;

    @Option(names = "--signal", split = ",", paramLabel = "KILL|STOP", defaultValue = "KILL,STOP",
            description = "Signals: KILL (SIGKILL) and/or STOP (SIGSTOP, SIGCONT once the round is over) "
                    + "(default: ${DEFAULT-VALUE}).")
    List<FailoverBench.Signal> signals;

    @Option(names = "--rounds", defaultValue = "20", description = "SIGKILL rounds per strategy (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--stop-rounds", defaultValue = "3",
            description = "SIGSTOP rounds per strategy: each waits out the client's silence bound (default: ${DEFAULT-VALUE}).")
    int stopRounds;

    @Option(names = "--lazy-rounds", defaultValue = "2",
            description = "At most this many rounds per signal for lazy transfer, where every round ends in the client's "
                    + "error (default: ${DEFAULT-VALUE}).")
    int lazyRounds;

    @Option(names = "--servers", defaultValue = "3", description = "Server processes in the pool (default: ${DEFAULT-VALUE}).")
    int servers;

    @Option(names = "--stream", converter = BenchConverters.Size.class, defaultValue = "4m",
            description = "Bytes per round's stream (default: ${DEFAULT-VALUE}).")
    long streamBytes;

    @Option(names = "--rate", converter = BenchConverters.Size.class, defaultValue = "8m",
            description = "The servers' pace, bytes per second (default: ${DEFAULT-VALUE}); the gap is only visible on a "
                    + "stream slower than the failover.")
    long rate;

    @Option(names = "--chunk", converter = BenchConverters.IntSize.class, defaultValue = "16k",
            description = "The servers' write size (default: ${DEFAULT-VALUE}).")
    int chunk;

    @Option(names = "--snapshot-every", converter = BenchConverters.Size.class, defaultValue = "64k",
            description = "The servers export their position this often (default: ${DEFAULT-VALUE}).")
    long snapshotEvery;

    @Option(names = "--seed", description = "Seed of the signal points (default: a new one, printed).")
    Long seed;

    @Option(names = "--hang-limit", converter = BenchConverters.Time.class, defaultValue = "60s",
            description = "A round with no byte for this long is recorded as hung and ended (default: ${DEFAULT-VALUE}).")
    Duration hangLimit;

    @Option(names = "--keepalive", converter = BenchConverters.Time.class,
            description = "The client's keepalive interval (default: ClientOptions' 1s); with --missed-keepalives it "
                    + "bounds how long a stopped holder goes unnoticed: (missed + 1) x interval.")
    Duration keepalive;

    @Option(names = "--missed-keepalives",
            description = "Keepalive intervals of silence after which the client gives the holder up (default: ClientOptions' 4).")
    Integer missedKeepalives;

    @Option(names = "--control-timeout", converter = BenchConverters.Time.class,
            description = "The servers' control timeout (default: ServerOptions' 3s): how long a replica waits for the "
                    + "old holder to answer before it resumes from its copy.")
    Duration controlTimeout;

    @Option(names = "--tls", description = "TLS 1.3 on every link (the server processes get keys of a throwaway CA "
            + "made for the run, mutual TLS on their control plane); plaintext otherwise.")
    boolean tls;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        if (rounds < 0 || stopRounds < 0 || lazyRounds < 0 || servers < 1 || streamBytes < 16 || rate < 1 || chunk < 1
                || snapshotEvery < 1 || signals.isEmpty() || hangLimit.isZero()) {
            throw new ParameterException(spec.commandLine(), "--rounds, --stop-rounds and --lazy-rounds must not be "
                    + "negative, --servers, --rate, --chunk and --snapshot-every must be positive, --stream at least 16");
        }
        List<StateTransfer> checked;
        try {
            checked = Strategies.requireDistinct(transfers);
            for (StateTransfer t : checked) {
                t.checkPoolSize(servers);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ClientOptions client = ClientOptions.defaults();
        try {
            client = keepalive == null ? client : client.withKeepaliveInterval(keepalive);
            client = missedKeepalives == null ? client : client.withMissedKeepalives(missedKeepalives);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Duration control = controlTimeout == null ? ServerOptions.defaults().controlTimeout() : controlTimeout;
        if (control.isZero() || control.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--control-timeout must be above 0");
        }
        Progress progress = new Progress(System.err, "bench failover");
        long s = seed != null ? seed : System.nanoTime();
        FailoverBench bench = new FailoverBench(new FailoverBench.Params(servers, rounds, stopRounds, lazyRounds,
                signals.stream().distinct().toList(), checked, streamBytes, rate, chunk, snapshotEvery, s, hangLimit,
                client, control, tls ? org.mtcp.bench.Link.TLS : org.mtcp.bench.Link.PLAIN, output.out), progress);
        FailoverBench.Result r = bench.run();
        progress.say("done; CSV in %s (seed %d)", output.out.toAbsolutePath(), s);
        bench.table(r).print(System.out);
        return 0;
    }
}
