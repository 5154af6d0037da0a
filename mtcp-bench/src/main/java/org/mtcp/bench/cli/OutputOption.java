package org.mtcp.bench.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --out DIR}, shared by every bench command. */
final class OutputOption {
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "target/bench",
            description = "Directory for the CSV files of raw numbers and the PNG plots (default: ${DEFAULT-VALUE}, "
                    + "relative to the current directory).")
    Path out;
}
