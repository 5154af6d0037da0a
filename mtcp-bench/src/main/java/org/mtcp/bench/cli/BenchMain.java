package org.mtcp.bench.cli;

import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Runs {@link BenchCommand} on its own (until {@code ./mtcp bench} wires it in):
 * {@code java -cp mtcp-bench/target/benchmarks.jar org.mtcp.bench.cli.BenchMain migration}.
 * Usage errors exit with 2, failures with a one-line message and 1, as {@code ./mtcp} does.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level());
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        // Jetty warns about its acceptors being interrupted when a front-end stops: noise here.
        setIfAbsent("org.slf4j.simpleLogger.log.org.eclipse.jetty", "error");
        System.exit(commandLine().execute(args));
    }

    /** The command line with the project's error handling (tests run it in-process). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setExecutionExceptionHandler(BenchMain::failed);
        return cl;
    }

    private static int failed(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        err.println("mtcp bench " + cmd.getCommandName() + ": " + message);
        String level = System.getenv("MTCP_LOG_LEVEL");
        if (level != null && (level.equalsIgnoreCase("debug") || level.equalsIgnoreCase("trace"))) {
            e.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    private static String level() {
        String level = System.getenv("MTCP_LOG_LEVEL");
        return level == null || level.isBlank() ? "warn" : level.toLowerCase(Locale.ROOT);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
