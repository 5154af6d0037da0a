package org.mtcp.bench.cli;

import java.util.List;
import org.mtcp.bench.Strategies;
import org.mtcp.core.transfer.StateTransfer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --state-transfer lazy,replicated}, shared by throughput, migration and frontend. */
final class StateTransferOption {
    @Option(names = "--state-transfer", split = ",", paramLabel = "STRATEGY", defaultValue = "lazy",
            converter = BenchConverters.Transfer.class,
            description = "How a connection's state reaches its next server: " + Strategies.HELP
                    + " (the first is the reference; default: ${DEFAULT-VALUE}).")
    List<StateTransfer> transfers;

    /** The strategies, each once; a usage error (exit 2) otherwise. */
    List<StateTransfer> checked(CommandSpec spec) {
        try {
            return Strategies.requireDistinct(transfers);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
