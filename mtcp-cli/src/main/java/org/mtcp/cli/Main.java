package org.mtcp.cli;

import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code ./mtcp}: one subcommand per tool. Usage errors exit with 2 (picocli),
 * runtime failures with a one-line message and 1 (a stack trace with {@code MTCP_LOG_LEVEL=debug}).
 * Logging (SLF4J simple, on stderr) defaults to {@code info}; set {@code MTCP_LOG_LEVEL} to change it.
 */
@Command(
        name = "mtcp",
        mixinStandardHelpOptions = true,
        version = "mtcp 0.1.0",
        description = "Migratory TCP front-ends for PostgreSQL.",
        subcommands = {
            FileServerCommand.class,
            ProxyCommand.class,
            GetCommand.class,
            CertsCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the command line with {@code moreCommands} (annotated picocli commands of the modules
     * above this one: the front-end, the demo, the benchmarks) added; returns the exit code.
     */
    public static int execute(String[] args, Object... moreCommands) {
        configureLogging();
        CommandLine cl = commandLine();
        for (Object command : moreCommands) {
            cl.addSubcommand(command);
        }
        return cl.execute(args);
    }

    /** The command line with the project's error handling (tests run it in-process). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::failed);
        return cl;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int failed(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        err.println("mtcp " + cmd.getCommandName() + ": " + message);
        if (debug()) {
            e.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    private static boolean debug() {
        String level = System.getenv("MTCP_LOG_LEVEL");
        return level != null && (level.equalsIgnoreCase("debug") || level.equalsIgnoreCase("trace"));
    }

    private static void configureLogging() {
        String level = System.getenv("MTCP_LOG_LEVEL");
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel",
                level == null || level.isBlank() ? "info" : level.toLowerCase(Locale.ROOT));
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
