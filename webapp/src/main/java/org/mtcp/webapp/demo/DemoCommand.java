package org.mtcp.webapp.demo;

import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.mtcp.core.ValueSyntax;
import org.mtcp.core.tls.TlsFlags;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.frontend.FrontendServer;
import org.mtcp.frontend.cli.FrontendCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code mtcp demo}: the whole system in one command (docs/demo.md): PostgreSQL, three
 * front-ends, the proxy, a seeded bank and the browser page. Progress on stderr, then the URL
 * and the running system's events (migrations, slow-down changes, restarts, kills) on stdout. Ctrl-C stops the
 * proxy, the front-ends and PostgreSQL, in that order.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Runs the bank demo: an embedded PostgreSQL (or --db), a pool of migratory front-ends serving the "
                    + "bank and its browser page, and the client-side proxy the browser connects to, with the "
                    + "paper's response-time policy. Open the printed URL; Ctrl-C stops everything.",
            "",
            "The M-TCP links (proxy to front-ends, between front-ends) run TLS 1.3 with a throwaway CA made at "
                    + "start-up, in memory only; --tls-* use your own keys (one key for every front-end: its "
                    + "certificate must name fe1, fe2, ... and 127.0.0.1, e.g. ./mtcp certs issue fe1 --hosts "
                    + "fe2,fe3,127.0.0.1; with --tls-trust), --plaintext turns TLS off (said at start-up). The "
                    + "browser talks plain HTTP to the proxy on loopback.",
            ""})
public final class DemoCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080", converter = HostPort.class,
            description = "Where the proxy listens: the address to open in the browser. A bare PORT means 127.0.0.1:PORT; "
                    + "port 0 picks a free one.")
    InetSocketAddress listen;

    @Option(names = "--db", paramLabel = "JDBC_URL",
            description = "Use this PostgreSQL database instead of an embedded one (its role must be able to create "
                    + "schemas mtcp, frontend and bank, or they must exist), e.g. jdbc:postgresql://127.0.0.1:5432/demo")
    String db;

    @Option(names = "--db-user", paramLabel = "USER", description = "Database user for --db (default: from the URL or the driver).")
    String dbUser;

    @Option(names = "--db-password-env", paramLabel = "VAR", defaultValue = "MTCP_DB_PASSWORD",
            description = "Environment variable holding the --db password (never on the command line).")
    String dbPasswordEnv;

    @Option(names = "--frontends", paramLabel = "N", defaultValue = "3", description = "Front-ends in the pool (2 to 9).")
    int frontends;

    @Option(names = "--accounts", paramLabel = "N", defaultValue = "8", description = "Bank accounts to open (ids 1..N).")
    int accounts;

    @Option(names = "--balance", paramLabel = "AMOUNT", defaultValue = "1000", description = "Opening balance of each account.")
    long balance;

    @Option(names = "--pace", paramLabel = "DURATION", defaultValue = "250ms", converter = FrontendCommand.DurationConverter.class,
            description = "The front-ends' normal delay before each response line, so outcomes arrive at a pace one can watch "
                    + "(0 for full speed). Below --response-time.")
    Duration pace;

    @Option(names = "--slow", paramLabel = "DURATION", defaultValue = "3s", converter = FrontendCommand.DurationConverter.class,
            description = "The delay the page's \"slow down\" button sets on a front-end. Above --response-time, at most 1m.")
    Duration slow;

    @Option(names = "--response-time", paramLabel = "DURATION", defaultValue = "1s",
            converter = FrontendCommand.DurationConverter.class,
            description = "The proxy's response-time policy (paper 6.6): a connection whose front-end leaves a request "
                    + "without a byte of its (still incomplete) response for this long moves to another front-end.")
    Duration responseTime;

    @Option(names = "--state-transfer", paramLabel = "STRATEGY", defaultValue = "replicated",
            converter = FrontendCommand.StateTransferConverter.class,
            description = "How a connection's state reaches its next front-end: replicated[:K] (every snapshot pushed to "
                    + "K other front-ends, K=1 by default and below --frontends: a batch outlives the front-end the page's "
                    + "Kill button crashes, it finishes on a replica) or lazy (fetched from the front-end that had it, "
                    + "the paper's transfer: Kill then cuts the batch off, the page offers a re-post).")
    StateTransfer stateTransfer;

    @CommandLine.Mixin
    DemoTlsOptions tls;

    @Override
    public Integer call() throws Exception {
        quietLogging();
        PrintStream err = System.err;
        PrintStream out = System.out;
        Demo.Settings settings;
        try {
            settings = new Demo.Settings(db, dbUser, db == null ? null : System.getenv(dbPasswordEnv), listen, frontends,
                    accounts, balance, pace, slow, responseTime, stateTransfer, tls.choice());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (settings.tls() instanceof DemoTls.Plaintext) {
            err.println(TlsFlags.PLAINTEXT_WARNING);
        }
        if (settings.tls() instanceof DemoTls.Files) {
            // Key files that cannot be used are a usage error (exit 2) before anything starts, as for every command;
            // Demo.start opens them again for use.
            try {
                DemoTls.Links.open(settings.tls(), Demo.frontendNames(settings.frontends())).close();
            } catch (java.io.IOException | IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "TLS: " + e.getMessage());
            }
        }
        Demo demo = Demo.create(settings, line -> event(out, line));
        CountDownLatch stopped = new CountDownLatch(1);
        // Registered before anything starts: Ctrl-C during the start-up stops what has started.
        Thread hook = new Thread(() -> {
            err.println();
            err.print("stopping the proxy, the front-ends and PostgreSQL... ");
            err.flush();
            long t0 = System.nanoTime();
            demo.close();
            err.printf(java.util.Locale.ROOT, "ok (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
            err.flush();
            stopped.countDown();
        }, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            demo.start(err);
        } catch (BindException e) {
            err.println("mtcp demo: " + e.getMessage() + ": is another demo running? Stop it, or choose another address "
                    + "with --listen HOST:PORT (--listen 0 picks a free port).");
            return stopEarly(hook);
        } catch (FrontendServer.StartupException e) {
            err.println("mtcp demo: a front-end could not start: " + e.getMessage());
            return stopEarly(hook);
        } catch (Exception e) {
            stopEarly(hook);
            throw e;
        }
        out.println();
        out.println("  The demo is running. Open " + demo.url() + " in a browser.");
        out.println("  Ctrl-C to stop.");
        out.println();
        out.flush();
        stopped.await();
        return 0;
    }

    /** A start-up that failed has stopped what it started: the hook has nothing left to do. */
    private static int stopEarly(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs anyway, harmlessly
        }
        return 1;
    }

    private static void event(PrintStream out, String line) {
        String text = TIME.format(Instant.now()) + " " + line;
        synchronized (out) {
            out.println(text);
            out.flush();
        }
    }

    /**
     * The demo prints its own progress: the libraries' start-up chatter goes down to warnings
     * (unless {@code MTCP_LOG_LEVEL} asks for more). Takes effect for loggers not created yet,
     * which at this point are all of them that matter.
     */
    private static void quietLogging() {
        String level = System.getenv("MTCP_LOG_LEVEL");
        if (level != null && !level.isBlank()) {
            return;
        }
        for (String name : new String[] {"org.mtcp", "org.flywaydb", "com.zaxxer.hikari", "org.eclipse.jetty", "io.zonky"}) {
            String key = "org.slf4j.simpleLogger.log." + name;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }

    /** {@code HOST:PORT}, {@code [IPv6]:PORT} or a bare {@code PORT} (127.0.0.1), in {@link ValueSyntax}. */
    static final class HostPort implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            try {
                return ValueSyntax.resolved(ValueSyntax.hostPort(value, "127.0.0.1"));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Runs the command alone (the mtcp launcher wires it as its {@code demo} subcommand). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoCommand()).execute(args));
    }
}
