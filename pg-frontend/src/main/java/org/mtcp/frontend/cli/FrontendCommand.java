package org.mtcp.frontend.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.mtcp.core.ValueSyntax;
import org.mtcp.core.tls.TlsFlags;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.frontend.FrontendConfig;
import org.mtcp.frontend.FrontendServer;
import org.mtcp.frontend.ops.OperationProvider;
import org.mtcp.frontend.ops.Operations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code mtcp frontend}: runs one front-end of a pool (docs/frontend.md). Operations come from
 * {@code --operations} SQL files and from {@link OperationProvider}s on the class path.
 */
@Command(
        name = "frontend",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Runs a migratory PostgreSQL front-end: Jetty serving the batch API (docs/http-api.md) over M-TCP, "
                    + "as server NAME of the pool in FILE.",
            "",
            "Clients POST batches of named transactions; each transaction runs exactly once and its outcome is "
                    + "reported exactly once, across any number of migrations between the pool's front-ends.",
            ""})
public final class FrontendCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(FrontendCommand.class);

    /** Sees the server once it listens, before the start-up line (see the constructor). */
    private final java.util.function.Consumer<FrontendServer> started;

    public FrontendCommand() {
        this(server -> { });
    }

    /**
     * For a launcher that wraps the command: {@code started} is given the server once it listens,
     * before the start-up line is printed. The kill tests' launcher installs engine test points
     * there ({@code BatchEngine.setHooks}), so a real process can be stopped at an exact point.
     */
    public FrontendCommand(java.util.function.Consumer<FrontendServer> started) {
        this.started = java.util.Objects.requireNonNull(started, "started");
    }

    @Spec
    CommandSpec spec;

    @Mixin
    TlsOptions tlsOptions = new TlsOptions();

    @Option(names = "--pool", required = true, paramLabel = "FILE", description = "The pool file (docs/pool-file.md).")
    Path pool;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "This front-end's name in the pool file.")
    String name;

    @Option(names = "--db", required = true, paramLabel = "JDBC_URL",
            description = "The PostgreSQL database, e.g. jdbc:postgresql://127.0.0.1:5432/bank")
    String db;

    @Option(names = "--db-user", paramLabel = "USER", description = "Database user (default: from the URL or the driver).")
    String dbUser;

    @Option(names = "--db-password-env", paramLabel = "VAR", defaultValue = "MTCP_DB_PASSWORD",
            description = "Environment variable holding the database password (never on the command line).")
    String dbPasswordEnv;

    @Option(names = "--db-pool-size", paramLabel = "N", defaultValue = "8", description = "Database connections (HikariCP).")
    int dbPoolSize;

    @Option(names = "--no-migrate", description = "Only check the database schemas; do not run Flyway migrations.")
    boolean noMigrate;

    @Option(names = "--operations", paramLabel = "FILE",
            description = "SQL operations file (format in docs/frontend.md); repeatable.")
    List<Path> operationFiles = new ArrayList<>();

    @Option(names = "--admin-token-env", paramLabel = "VAR", defaultValue = "MTCP_ADMIN_TOKEN",
            description = "Environment variable holding the admin endpoints' bearer token; unset: admin endpoints off.")
    String adminTokenEnv;

    @Option(names = "--reconnect-timeout", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
            description = "How long a resuming front-end waits for the old one's transaction before it is aborted.")
    Duration reconnectTimeout;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "1m", converter = SizeConverter.class,
            description = "Largest batch request body (e.g. 512k, 2m).")
    int maxBody;

    @Option(names = "--max-transactions", paramLabel = "N", defaultValue = "10000", description = "Most transactions in a batch.")
    int maxTransactions;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "Idle HTTP connections are closed after this.")
    Duration idleTimeout;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "On SIGTERM/SIGINT (or POST /admin/drain): how long to wait for the clients to move to peers "
                    + "before stopping anyway. A second signal stops at once.")
    Duration drainTimeout;

    @Option(names = "--db-timeout", paramLabel = "DURATION", defaultValue = "500ms", converter = DurationConverter.class,
            description = "Longest wait for a database connection (at least 250ms); keep it below the clients' "
                    + "response-time threshold so that they get a 503, not silence.")
    Duration dbTimeout;

    @Option(names = "--db-failover-wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Once the database became unreachable, how long requests wait for it to come back (a standby "
                    + "promoted behind a multi-host --db with targetServerType=primary) before they are answered "
                    + "database_unavailable; a batch in the middle then goes on, its transaction in flight resolved. "
                    + "0s: answer at once. Default: " + MULTI_HOST_FAILOVER_WAIT_TEXT + " when --db names several hosts "
                    + "(a failover is what they are for), else 0s.")
    Duration dbFailoverWait;

    /**
     * The failover wait of a multi-host --db: a promotion takes seconds to tens of seconds
     * (CloudNativePG a few, Patroni's defaults up to ttl 30 s + loop_wait 10 s).
     */
    static final Duration MULTI_HOST_FAILOVER_WAIT = Duration.ofSeconds(30);
    private static final String MULTI_HOST_FAILOVER_WAIT_TEXT = "30s";

    /** The wait asked for, or the default for {@code url}: {@link #MULTI_HOST_FAILOVER_WAIT} when it names several hosts. */
    static Duration failoverWait(Duration asked, String url) {
        if (asked != null) {
            return asked;
        }
        return multiHost(url) ? MULTI_HOST_FAILOVER_WAIT : Duration.ZERO;
    }

    /** Whether a JDBC URL names several hosts ({@code jdbc:postgresql://h1:5432,h2:5432/db}). */
    static boolean multiHost(String url) {
        int start = url.indexOf("://");
        if (start < 0) {
            return false;
        }
        String rest = url.substring(start + 3);
        int end = rest.indexOf('/');
        int query = rest.indexOf('?');
        if (end < 0 || (query >= 0 && query < end)) {
            end = query;
        }
        return (end < 0 ? rest : rest.substring(0, end)).contains(",");
    }

    @Option(names = "--client-threshold", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "The response-time threshold of the clients' policy (./mtcp proxy --policy response-time:T); "
                    + "when given, a --db-timeout that is not below it is refused.")
    Duration clientThreshold;

    @Option(names = "--state-transfer", paramLabel = "STRATEGY", defaultValue = "lazy",
            converter = StateTransferConverter.class,
            description = "How a connection's state reaches its next front-end: lazy (fetched from this one when the "
                    + "client moves; the batch of a front-end that dies is lost to its client, which must re-post) or "
                    + "replicated[:K] (pushed to K other servers of the pool at every snapshot, K=1 by default and "
                    + "below the pool's size: the batch resumes on a replica). Every front-end of the pool should use "
                    + "the same (docs/protocol.md, section 10).")
    StateTransfer stateTransfer;

    @Override
    public Integer call() throws Exception {
        if (dbPoolSize < 1 || maxBody < 1 || maxTransactions < 1) {
            throw new ParameterException(spec.commandLine(), "--db-pool-size, --max-body and --max-transactions must be positive");
        }
        checkJdbcUrl(db);
        FrontendConfig.DatabaseTimeouts timeouts = databaseTimeouts();
        FrontendConfig.Links links;
        try {
            links = links();
        } catch (FrontendServer.StartupException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
        Operations.Builder ops = Operations.builder();
        List<FrontendConfig.AppSchema> schemas = new ArrayList<>();
        for (OperationProvider provider : ServiceLoader.load(OperationProvider.class)) {
            ops.registerAll(provider.operations());
            if (provider.schema() != null) {
                schemas.add(provider.schema());
            }
        }
        FrontendConfig config = new FrontendConfig(pool, name, db, dbUser, System.getenv(dbPasswordEnv), dbPoolSize,
                !noMigrate, operationFiles, schemas, System.getenv(adminTokenEnv), reconnectTimeout, maxBody,
                maxTransactions, idleTimeout, drainTimeout, timeouts, stateTransfer, links);
        // One descriptor per M-TCP connection (the transport's limit, 10,000) plus the database pool.
        org.mtcp.core.FileDescriptors.shortfall(org.mtcp.core.FileDescriptors.limit(),
                org.mtcp.core.ServerOptions.defaults().maxConnections() + dbPoolSize, 1,
                "the transport's maxConnections " + org.mtcp.core.ServerOptions.defaults().maxConnections()
                        + " and --db-pool-size " + dbPoolSize, "")
                .ifPresent(spec.commandLine().getErr()::println);
        FrontendServer server;
        try {
            server = FrontendServer.start(config, ops.build());
        } catch (FrontendServer.StartupException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
        if (links instanceof FrontendConfig.Links.Plaintext) {
            LOG.warn(TlsFlags.PLAINTEXT_WARNING);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "frontend-shutdown"));
        handleSignals(server);
        started.accept(server);
        spec.commandLine().getOut().println("frontend " + name + " listening on " + server.serviceAddress().getHostString()
                + ":" + server.serviceAddress().getPort() + " database=" + db.replaceAll("(?i)(password=)[^&]*", "$1***")
                + " admin=" + (config.adminToken() == null ? "off" : "on") + " drain-timeout=" + ValueSyntax.format(drainTimeout)
                + " state-transfer=" + stateTransfer.name()
                + " db-failover-wait=" + ValueSyntax.format(failoverWait(dbFailoverWait, db))
                + " links=" + server.tlsCertificate().map(FrontendCommand::describe).orElse("PLAINTEXT"));
        spec.commandLine().getOut().flush();
        server.join();
        return 0;
    }

    /**
     * The TLS flags as {@link TlsFlags} reads them, the pool file's {@code trust} line being the
     * default trust; contradictory or missing flags are a usage error (exit 2) with its message.
     *
     * @throws FrontendServer.StartupException when the pool file cannot be read (as the server would say)
     */
    private FrontendConfig.Links links() throws FrontendServer.StartupException {
        TlsFlags flags = tlsOptions.flags();
        java.util.Optional<Path> poolTrust = java.util.Optional.empty();
        if (!flags.plaintext()) {
            poolTrust = FrontendServer.loadPool(pool).trustAnchors();
        }
        try {
            return flags.files(TlsFlags.Side.SERVER, poolTrust)
                    .<FrontendConfig.Links>map(FrontendConfig.Links.Tls::new)
                    .orElseGet(FrontendConfig.Links.Plaintext::new);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The start-up line's account of the links: TLS 1.3, the certificate's subject, serial and expiry. */
    static String describe(java.security.cert.X509Certificate certificate) {
        return "TLS1.3 certificate=\"" + certificate.getSubjectX500Principal().getName() + "\" serial="
                + certificate.getSerialNumber().toString(16) + " expires=" + certificate.getNotAfter().toInstant();
    }

    private FrontendConfig.DatabaseTimeouts databaseTimeouts() {
        try {
            return new FrontendConfig.DatabaseTimeouts(dbTimeout, clientThreshold, failoverWait(dbFailoverWait, db));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--db-timeout: " + e.getMessage());
        }
    }

    /**
     * SIGTERM or SIGINT: drain (every client moves to a peer, then the process exits 0); a second
     * one: stop at once. SIGHUP: reload the TLS keys and the pool file (refused files keep what is in use).
     */
    private static void handleSignals(FrontendServer server) {
        AtomicInteger stops = new AtomicInteger();
        SignalHandler stop = signal -> {
            if (stops.incrementAndGet() == 1) {
                server.startDrain("SIG" + signal.getName());
            } else {
                LOG.info("second SIG{}: stopping at once", signal.getName());
                server.close();
            }
        };
        Signal.handle(new Signal("TERM"), stop);
        Signal.handle(new Signal("INT"), stop);
        SignalHandler previous = Signal.handle(new Signal("HUP"), signal -> {
            try {
                server.reloadPool();
            } catch (IOException | IllegalArgumentException e) {
                LOG.warn("SIGHUP: not reloaded, the keys and the pool in use stay: {}", e.getMessage());
            }
        });
        if (previous == SignalHandler.SIG_IGN) {
            // Started with SIGHUP ignored (nohup): the JVM keeps it ignored and says nothing.
            LOG.warn("pool reload on SIGHUP unavailable: this process was started with SIGHUP ignored (nohup?);"
                    + " start it without nohup to reload the pool file on SIGHUP");
        }
    }

    /** pgjdbc's URL only ("No suitable driver" says nothing); the libpq form gets its JDBC equivalent. */
    private void checkJdbcUrl(String url) {
        java.util.regex.Matcher libpq = java.util.regex.Pattern.compile("postgres(?:ql)?://(?:[^@/]*@)?(.*)").matcher(url);
        if (libpq.matches()) {
            throw new ParameterException(spec.commandLine(), "--db takes a JDBC URL: jdbc:postgresql://" + libpq.group(1)
                    + " (not " + url + "); the user goes in --db-user, the password in $" + dbPasswordEnv);
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new ParameterException(spec.commandLine(),
                    "--db must be a PostgreSQL JDBC URL (jdbc:postgresql://HOST:PORT/DATABASE), got " + url);
        }
    }

    /** Byte sizes in {@link ValueSyntax} that fit an int: 1048576, 512k, 2m. */
    public static final class SizeConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            long bytes = syntax(() -> ValueSyntax.byteSize(value));
            if (bytes > Integer.MAX_VALUE) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is too large (at most 2047m)");
            }
            return (int) bytes;
        }
    }

    /** Durations in {@link ValueSyntax}: 500ms, 5s, 2m. */
    public static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return syntax(() -> ValueSyntax.duration(value));
        }
    }

    /** {@link StateTransfer#parse}: lazy, replicated, replicated:K. */
    public static final class StateTransferConverter implements ITypeConverter<StateTransfer> {
        @Override
        public StateTransfer convert(String value) {
            return syntax(() -> StateTransfer.parse(value));
        }
    }

    /** Picocli's one-line error for a value the parser refuses. */
    private static <T> T syntax(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** Runs the command alone (the mtcp launcher wires it as a subcommand). */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new FrontendCommand()).execute(args));
    }
}
