package org.mtcp.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./mtcp}: one subcommand per tool. */
@Command(
        name = "mtcp",
        mixinStandardHelpOptions = true,
        version = "mtcp 0.1.0",
        description = "Migratory TCP front-ends for PostgreSQL.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
