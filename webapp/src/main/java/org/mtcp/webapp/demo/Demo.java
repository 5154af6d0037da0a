package org.mtcp.webapp.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.policy.Policies;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.frontend.FrontendConfig;
import org.mtcp.frontend.FrontendServer;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;
import org.mtcp.webapp.BankOperations;
import org.mtcp.webapp.SampleDatabase;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The whole system in one process, as {@code ./mtcp demo} runs it: PostgreSQL (embedded, or the
 * one given), N front-ends of one M-TCP pool on loopback serving the bank and the browser page,
 * the client-side proxy in front of them with the response-time policy (paper 6.6), and a seeded
 * bank. {@link #close()} stops the proxy, then the front-ends, then PostgreSQL.
 *
 * <p>The browser test starts one in-process with {@code port = 0}.
 */
public final class Demo implements AutoCloseable {

    /**
     * @param dbUrl an external database (JDBC URL), or null for an embedded PostgreSQL
     * @param dbUser its user, or null; @param dbPassword its password, or null
     * @param listen the proxy's address: what the browser opens (port 0: a free one)
     * @param frontends how many front-ends (named fe1, fe2, ...)
     * @param accounts bank accounts to seed (ids 1..accounts), each with {@code openingBalance}
     * @param pace the front-ends' normal slow-down, so outcomes arrive at a pace one can follow
     * @param slow the slow-down the page's "slow down" button sets
     * @param responseTime the proxy's response-time threshold: a front-end that does not answer
     *     within it loses the connection
     * @param stateTransfer how a connection's state reaches its next front-end: replicated by
     *     default, so that a batch outlives the front-end the page's <em>Kill</em> crashes
     * @param tls the TLS of the M-TCP links: a throwaway CA by default ({@link DemoTls})
     */
    public record Settings(String dbUrl, String dbUser, String dbPassword, InetSocketAddress listen, int frontends,
            int accounts, long openingBalance, Duration pace, Duration slow, Duration responseTime,
            StateTransfer stateTransfer, DemoTls tls) {

        public Settings {
            Objects.requireNonNull(listen, "listen");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(stateTransfer, "stateTransfer");
            if (frontends < 2 || frontends > 9) {
                throw new IllegalArgumentException("--frontends must be 2 to 9 (a pool needs somewhere to migrate to)");
            }
            try {
                stateTransfer.checkPoolSize(frontends);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--state-transfer: " + e.getMessage() + ": raise --frontends", e);
            }
            if (accounts < 2 || accounts > 1000) {
                throw new IllegalArgumentException("--accounts must be 2 to 1000");
            }
            if (openingBalance < 1) {
                throw new IllegalArgumentException("--balance must be positive");
            }
            if (responseTime.isNegative() || responseTime.isZero() || slow.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("--response-time must be positive and --slow at most 1m");
            }
            if (pace.isNegative() || pace.compareTo(responseTime) >= 0) {
                throw new IllegalArgumentException("--pace must be below the response-time threshold (" + millis(responseTime)
                        + " ms), or every batch would migrate all the time");
            }
            if (slow.compareTo(responseTime) <= 0) {
                throw new IllegalArgumentException("--slow must be above the response-time threshold (" + millis(responseTime)
                        + " ms), or slowing a front-end down would not move anything");
            }
        }

        public static Settings defaults() {
            return new Settings(null, null, null, new InetSocketAddress("127.0.0.1", 8080), 3, 8, 1000,
                    Duration.ofMillis(250), Duration.ofSeconds(3), Duration.ofSeconds(1), StateTransfer.replicated(),
                    DemoTls.throwaway());
        }

        public Settings withListen(InetSocketAddress v) {
            return new Settings(dbUrl, dbUser, dbPassword, v, frontends, accounts, openingBalance, pace, slow, responseTime,
                    stateTransfer, tls);
        }

        public Settings withDatabase(String url, String user, String password) {
            return new Settings(url, user, password, listen, frontends, accounts, openingBalance, pace, slow, responseTime,
                    stateTransfer, tls);
        }

        public Settings withPace(Duration v) {
            return new Settings(dbUrl, dbUser, dbPassword, listen, frontends, accounts, openingBalance, v, slow, responseTime,
                    stateTransfer, tls);
        }

        public Settings withStateTransfer(StateTransfer v) {
            return new Settings(dbUrl, dbUser, dbPassword, listen, frontends, accounts, openingBalance, pace, slow, responseTime,
                    v, tls);
        }

        public Settings withTls(DemoTls v) {
            return new Settings(dbUrl, dbUser, dbPassword, listen, frontends, accounts, openingBalance, pace, slow, responseTime,
                    stateTransfer, v);
        }
    }

    private final Settings settings;
    private final Consumer<String> events;
    private volatile SampleDatabase database;
    private final List<FrontendServer> frontends = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Each front-end's M-TCP server (the one it runs on now): what the page's Kill cuts. */
    private final Map<String, MtcpServer> mtcpServers = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
    private volatile MigratoryProxy proxy;
    /** The migrations the proxy saw, in order: {@code "#N from->to reason"}. */
    private final List<String> migrations = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final String adminToken;
    /** The page's Restart button: drains a front-end, then starts it again here ({@link #restartSteps()}). */
    private final FrontendRestarts restarts;
    /** The pool with its bound addresses: a restarted front-end's M-TCP server starts from it. */
    private volatile PoolConfig pool;
    /** What every front-end serves besides the API (the page, /demo/*): the same for a restarted one. */
    private volatile DemoResources resources;
    /** The TLS keys of the M-TCP links (or plaintext), made or loaded at start-up. */
    private volatile DemoTls.Links links;
    private boolean closed;

    private Demo(Settings settings, Consumer<String> events) {
        this.settings = settings;
        this.events = events;
        byte[] token = new byte[24];
        new SecureRandom().nextBytes(token);
        this.adminToken = HexFormat.of().formatHex(token);
        this.restarts = new FrontendRestarts(frontendNames(), restartSteps(), DRAIN_TIMEOUT, KILL_DOWNTIME, adminToken,
                events);
    }

    /** How long a restart's drain waits for the front-end's clients to move before it drops them. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

    /** How long a front-end the page's Kill crashed stays down before it starts again by itself. */
    static final Duration KILL_DOWNTIME = Duration.ofSeconds(5);

    /**
     * Starts everything, reporting each step on {@code progress} ("starting PostgreSQL... ok (2.1 s)").
     * {@code events} receives the running system's lines (migrations, slow-down changes, restarts, kills).
     * On failure, what was started is stopped again and the exception says what failed.
     */
    public static Demo start(Settings settings, PrintStream progress, Consumer<String> events) throws Exception {
        Demo demo = create(settings, events);
        demo.start(progress);
        return demo;
    }

    /**
     * A demo not started yet: a caller that must be able to stop it at any moment (a shutdown
     * hook) gets hold of it first, then calls {@link #start(PrintStream)}.
     */
    public static Demo create(Settings settings, Consumer<String> events) {
        return new Demo(settings, events);
    }

    /**
     * Starts everything (see {@link #start(Settings, PrintStream, Consumer)}). If {@link #close()}
     * is called meanwhile, what is started is stopped and this throws.
     */
    public void start(PrintStream progress) throws Exception {
        try {
            startAll(new Progress(progress));
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Keeps {@code resource} if the demo is still starting, else stops it at once and throws. */
    private synchronized <T extends AutoCloseable> T keep(T resource, Consumer<T> field) throws Exception {
        if (closed) {
            resource.close();
            throw new IllegalStateException("the demo was stopped while it was starting");
        }
        field.accept(resource);
        return resource;
    }

    private void startAll(Progress progress) throws Exception {
        // The proxy's address first: a port in use fails the demo at once, before the slow steps.
        keep(bindProxy(), p -> proxy = p);
        progress.step("preparing the M-TCP links' TLS", () -> keep(DemoTls.Links.open(settings.tls(), frontendNames()),
                l -> links = l), DemoTls.Links::description);
        if (settings.dbUrl() == null) {
            progress.step("starting PostgreSQL (embedded; the first run unpacks it)",
                    () -> keep(SampleDatabase.embedded(), d -> database = d), SampleDatabase::description);
        } else {
            database = SampleDatabase.external(settings.dbUrl(), settings.dbUser(), settings.dbPassword());
            progress.step("connecting to " + database.description(), () -> {
                try (Connection c = dataSource().getConnection()) {
                    return c.getMetaData().getDatabaseProductVersion();
                }
            }, version -> "PostgreSQL " + version);
        }
        String names = String.join(", ", frontendNames());
        progress.step("starting front-ends " + names + " (schemas mtcp, frontend, bank; state transfer "
                + settings.stateTransfer().name() + ")", () -> {
            startFrontends();
            return null;
        }, x -> addresses.values().stream().map(a -> String.valueOf(a.getPort())).toList().toString()
                .replace("[", "ports ").replace("]", ""));
        progress.step("seeding the bank (" + settings.accounts() + " accounts x " + settings.openingBalance() + ")",
                this::seed, s -> s);
        progress.step("starting the proxy on " + proxy.localAddress().getHostString() + ":" + proxy.localAddress().getPort()
                + " (policy response-time:" + millis(settings.responseTime()) + "ms)",
                () -> {
                    // Keepalives every 250 ms: the policy is evaluated at least that often.
                    ClientOptions options = links.client(ClientOptions.defaults().withKeepaliveInterval(Duration.ofMillis(250))
                            .withPolicies(List.of(Policies.responseTime(settings.responseTime()))));
                    proxy.configure(new ProxySettings(List.copyOf(addresses.values()), options,
                            ProxySettings.DEFAULT_BUFFER_SIZE, ProxySettings.DEFAULT_MAX_CONNECTIONS));
                    proxy.serveInBackground();
                    return null;
                }, p -> null);
        // The pace only now: the seeding batch runs at full speed.
        for (FrontendServer fe : frontends) {
            fe.slowdown().set(millis(settings.pace()));
        }
    }

    private List<String> frontendNames() {
        return frontendNames(settings.frontends());
    }

    /** The names of {@code count} front-ends: fe1, fe2, ... */
    static List<String> frontendNames(int count) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            names.add("fe" + i);
        }
        return names;
    }

    private DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(database.jdbcUrl());
        if (database.user() != null) {
            ds.setUser(database.user());
        }
        if (database.password() != null) {
            ds.setPassword(database.password());
        }
        ds.setApplicationName("mtcp-demo");
        return ds;
    }

    /**
     * The pool: every server binds port 0, then all learn the real ports (no race for free
     * ports); then a front-end on each, one after the other (the first one migrates the schemas).
     */
    private void startFrontends() throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        List<PoolMember> members = new ArrayList<>();
        for (String name : frontendNames()) {
            members.add(new PoolMember(name, new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0)));
        }
        PoolConfig initial = new PoolConfig(secret, members);
        List<MtcpServer> servers = new ArrayList<>();
        try {
            for (PoolMember m : members) {
                servers.add(startServer(initial, m.name()));
            }
        } catch (IOException | RuntimeException e) {
            servers.forEach(MtcpServer::close);
            throw e;
        }
        List<PoolMember> bound = servers.stream().map(MtcpServer::boundMember).toList();
        pool = new PoolConfig(secret, bound);
        servers.forEach(s -> s.updatePool(pool));
        for (MtcpServer s : servers) {
            addresses.put(s.name(), s.serviceAddress());
        }
        Map<String, Object> pageSettings = new LinkedHashMap<>();
        pageSettings.put("paceMs", millis(settings.pace()));
        pageSettings.put("slowMs", millis(settings.slow()));
        pageSettings.put("responseTimeMs", millis(settings.responseTime()));
        pageSettings.put("accounts", settings.accounts());
        pageSettings.put("stateTransfer", settings.stateTransfer().name());
        pageSettings.put("killDowntimeMs", millis(KILL_DOWNTIME));
        resources = new DemoResources(addresses, links.client(MtcpHttp.OPTIONS), dataSource(), adminToken, pageSettings, events,
                restarts);
        for (int i = 0; i < servers.size(); i++) {
            try {
                keep(startFrontend(servers.get(i)), frontends::add);
            } catch (Exception e) {
                // this one failed; the M-TCP servers not yet handed to a front-end are still ours
                for (int j = i; j < servers.size(); j++) {
                    servers.get(j).close();
                }
                throw e;
            }
        }
    }

    private MtcpServer startServer(PoolConfig view, String name) throws IOException {
        return MtcpServer.start(view, name, links.server(name, ServerOptions.defaults().withStateTransfer(settings.stateTransfer())));
    }

    /**
     * A front-end on {@code server} (which it owns from now on), serving the bank and the page:
     * what start-up does for each one, and a restart for one.
     */
    private FrontendServer startFrontend(MtcpServer server) throws FrontendServer.StartupException {
        FrontendConfig config = FrontendConfig.defaults(null, server.name(), database.jdbcUrl())
                .withCredentials(database.user(), database.password())
                .withAppSchemas(List.of(BankOperations.SCHEMA))
                .withAdminToken(adminToken)
                .withReconnectTimeout(Duration.ofSeconds(2))
                .withDbPoolSize(6)
                .withStateTransfer(settings.stateTransfer());   // for the record: the server's options decide
        mtcpServers.put(server.name(), server);
        try {
            return FrontendServer.start(config, BankOperations.registry(), server, resources);
        } catch (FrontendServer.StartupException | RuntimeException e) {
            server.close();      // a failed start does not always close it (a database failure comes first)
            throw e;
        }
    }

    /**
     * A restart's two halves: drain the running front-end (until it has stopped), then start a new
     * one with the same name on the same ports (a new M-TCP server from the pool's bound view,
     * then the front-end, as at start-up), at the normal pace. The peers' view of the pool does not
     * change: the name and the addresses are the same.
     */
    private FrontendRestarts.Steps restartSteps() {
        return new FrontendRestarts.Steps() {
            @Override
            public FrontendServer.DrainReport drain(String name, Duration timeout) {
                return frontend(name).drain(timeout);
            }

            @Override
            public String start(String name) throws Exception {
                PoolMember member = pool.member(name).orElseThrow();
                String ports = "service port " + member.service().getPort() + ", control port " + member.control().getPort();
                MtcpServer server;
                try {
                    server = startServer(pool, name);
                } catch (IOException e) {
                    throw new IOException("cannot listen on " + name + "'s ports again (" + ports + "): "
                            + FrontendRestarts.describe(e), e);
                }
                FrontendServer fe = startFrontend(server);
                fe.slowdown().set(millis(settings.pace()));
                keep(fe, f -> frontends.replaceAll(old -> old.name().equals(name) ? f : old));
                return ports;
            }

            @Override
            public String kill(String name) {
                return crash(name);
            }
        };
    }

    /**
     * Crashes front-end {@code name} as {@code kill -9} of its process would, in three steps:
     * <ol>
     *   <li>its M-TCP server is closed without a drain: {@link MtcpServer#close()} cuts every
     *       client link with no RESET, FIN or CLOSE of the protocol, closes the listeners (a
     *       migrating client's FETCH finds nobody) and hands no state over, so each client sees an
     *       EOF from its holder and fails over to the connection's replica, as after a SIGKILL (the
     *       kernel closes a dead process's sockets). First, so that no byte leaves it afterwards;
     *   <li>its database sessions are terminated ({@code pg_terminate_backend}): PostgreSQL aborts
     *       the transaction each had open, as when a killed process's sockets close. A transaction
     *       that committed between the two steps is a crash just after COMMIT: its outcome record
     *       tells the replica's re-run that it ran;
     *   <li>what is left in this JVM (Jetty, the batch threads, the database pool) is stopped, so
     *       that the front-end can start again on the same ports.
     * </ol>
     * Two ways in which this is gentler than SIGKILL, because the public API has no harder stop: a
     * hand-out of a connection's state already under way when the server closes is let complete,
     * and the batch threads of this JVM run on until their next call on the closed connection or
     * the dropped database session fails (they cannot write to a client any more).
     */
    private String crash(String name) {
        FrontendServer fe = frontend(name);
        MtcpServer server = mtcpServers.get(name);
        server.close();
        String sessions;
        try {
            int n = terminateDatabaseSessions(name);
            sessions = n + " database session" + (n == 1 ? "" : "s") + " terminated";
        } catch (SQLException e) {
            // The database is unreachable: its sessions are gone or going anyway; the pool's close ends ours.
            sessions = "its database sessions not terminated (" + FrontendRestarts.describe(e) + "): closed by its pool";
        } finally {
            fe.close();
        }
        return sessions;
    }

    /** Terminates the database sessions of front-end {@code name} (its pool's ApplicationName); how many. */
    private int terminateDatabaseSessions(String name) throws SQLException {
        try (Connection c = dataSource().getConnection();
                java.sql.PreparedStatement st = c.prepareStatement(
                        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                                + "WHERE application_name = ? AND pid <> pg_backend_pid()")) {
            st.setString(1, "mtcp-frontend-" + name);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * The relay of {@code ./mtcp proxy}, bound now (a port in use is reported at once), configured
     * once the front-ends run. Its response-time policy also times streamed responses (a batch
     * slowed down in the middle moves); the migrations it sees are kept for {@link #proxyMigrations()}.
     */
    private MigratoryProxy bindProxy() throws IOException {
        MigratoryProxy p = MigratoryProxy.bind(settings.listen(), EventLog.to(line -> {
            if (!line.startsWith("open ") && !line.startsWith("close ")) {   // migrations, refusals
                events.accept(line);
            }
        }));
        p.addMigrationListener((connection, e) -> {
            if (e.succeeded()) {
                migrations.add("#" + connection + " " + e.from() + "->" + e.to() + " " + e.reason());
            }
        });
        return p;
    }

    /**
     * Opens the accounts that are missing (all of them on a fresh database) with one batch of
     * {@code open_account}, over an M-TCP connection of the demo's own (not through the proxy:
     * the first batch of a cold JVM may well be slow, and its migration would only confuse).
     */
    private String seed() throws IOException, SQLException {
        TreeSet<Long> existing = new TreeSet<>();
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id FROM bank.accounts")) {
            while (rs.next()) {
                existing.add(rs.getLong(1));
            }
        }
        StringBuilder body = new StringBuilder("{\"transactions\":[");
        int missing = 0;
        for (long id = 1; id <= settings.accounts(); id++) {
            if (!existing.contains(id)) {
                body.append(missing++ == 0 ? "" : ",").append("{\"op\":\"open_account\",\"args\":{\"account\":")
                        .append(id).append(",\"balance\":").append(settings.openingBalance()).append("}}");
            }
        }
        body.append("]}");
        if (missing > 0) {
            MtcpHttp.Reply r = MtcpHttp.exchange(List.copyOf(addresses.values()), links.client(MtcpHttp.OPTIONS), "POST", "/v1/batches", null, body.toString());
            if (r.status() != 200 || !r.body().contains("\"status\":\"complete\"")
                    || !r.body().contains("\"committed\":" + missing + ",")) {
                throw new IOException("seeding the bank failed: HTTP " + r.status() + ": " + r.body().strip());
            }
        }
        long total;
        int count;
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*), coalesce(sum(balance), 0) FROM bank.accounts")) {
            rs.next();
            count = rs.getInt(1);
            total = rs.getLong(2);
        }
        return (missing == 0 ? "already there: " : "") + count + " accounts, total " + total;
    }

    /** What to open in a browser: {@code http://HOST:PORT/}. */
    public String url() {
        InetSocketAddress a = proxy.localAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + a.getPort() + "/";
    }

    public List<String> frontendNamesRunning() {
        return List.copyOf(addresses.keySet());
    }

    /** The front-end {@code name} now: after a restart, the new one (the old one while it restarts). */
    public FrontendServer frontend(String name) {
        return frontends.stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no front-end " + name));
    }

    /** Where front-end {@code name} is in the page's restart cycle. */
    public FrontendPhase phase(String name) {
        return restarts.status(name).phase();
    }

    /**
     * Waits until front-end {@code name} is not restarting any more, at most {@code timeout};
     * returns its phase then ({@link FrontendPhase#SERVING} once it is back).
     */
    public FrontendPhase awaitRestarted(String name, Duration timeout) throws InterruptedException {
        return restarts.awaitSettled(name, timeout);
    }

    /** The admin token the demo gave its front-ends (tests: {@code /demo/admin/...} and {@code /admin/...}). */
    String adminToken() {
        return adminToken;
    }

    /** The migrations the proxy saw, as {@code "#N from->to reason"} strings, in order. */
    public List<String> proxyMigrations() {
        return List.copyOf(migrations);
    }

    /**
     * Cuts every connection the proxy relays (the browser's side and the pool's), as a network
     * failure between the browser and the pool would: what the page's re-post is for.
     */
    public void dropBrowserConnections() {
        proxy.abortConnections();
    }

    /** A direct (non-pooled) connection to the demo's database. */
    public Connection connectDatabase() throws SQLException {
        return dataSource().getConnection();
    }

    /** Stops the proxy, then the front-ends, then PostgreSQL (embedded only); idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        restarts.close();
        if (proxy != null) {
            proxy.close();
        }
        for (int i = frontends.size() - 1; i >= 0; i--) {
            try {
                frontends.get(i).close();
            } catch (RuntimeException e) {
                events.accept("stopping " + frontends.get(i).name() + ": " + e);
            }
        }
        if (database != null) {
            try {
                database.close();
            } catch (IOException | RuntimeException e) {
                events.accept("stopping PostgreSQL: " + e);
            }
        }
        if (links != null) {
            links.close();
        }
    }

    static long millis(Duration d) {
        return d.toMillis();
    }

    /** "step... ok (1.2 s)" lines on stderr. */
    static final class Progress {
        interface Step<T> {
            T run() throws Exception;
        }

        interface Detail<T> {
            String of(T value);
        }

        private final PrintStream out;

        Progress(PrintStream out) {
            this.out = out;
        }

        <T> T step(String what, Step<T> step, Detail<T> detail) throws Exception {
            out.print(what + "... ");
            out.flush();
            long t0 = System.nanoTime();
            try {
                T value = step.run();
                String d = detail.of(value);
                out.printf(Locale.ROOT, "ok (%.1f s)%s%n", (System.nanoTime() - t0) / 1e9, d == null ? "" : ": " + d);
                out.flush();
                return value;
            } catch (Exception | Error e) {
                out.println("failed");
                out.flush();
                throw e;
            }
        }
    }
}
