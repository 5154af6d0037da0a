package org.mtcp.frontend;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Tags;
import io.micrometer.jetty12.server.TimedHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.tls.FileWatcher;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.frontend.batch.BatchParser;
import org.mtcp.frontend.engine.BatchEngine;
import org.mtcp.frontend.engine.BatchStore;
import org.mtcp.frontend.engine.DatabaseGate;
import org.mtcp.frontend.engine.NewestTimeline;
import org.mtcp.frontend.engine.Slowdown;
import org.mtcp.frontend.http.AppHandler;
import org.mtcp.frontend.http.DatabaseLoss;
import org.mtcp.frontend.http.FrontendConnections;
import org.mtcp.frontend.http.FrontendHandler;
import org.mtcp.frontend.http.JsonErrorHandler;
import org.mtcp.frontend.http.OperatorControls;
import org.mtcp.frontend.jetty.MtcpConnector;
import org.mtcp.frontend.metrics.Metrics;
import org.mtcp.frontend.ops.Operations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running front-end: the database pool (HikariCP, schemas migrated by Flyway), the M-TCP
 * server of its pool, and Jetty serving the HTTP API over it on virtual threads.
 *
 * <pre>{@code
 * Operations ops = Operations.builder().register(new Transfer()).build();
 * try (FrontendServer fe = FrontendServer.start(FrontendConfig.defaults(poolFile, "fe1", url), ops)) {
 *     fe.join();
 * }
 * }</pre>
 */
public final class FrontendServer implements AutoCloseable, OperatorControls {

    private static final Logger LOG = LoggerFactory.getLogger(FrontendServer.class);

    private final FrontendConfig config;
    private final HikariDataSource dataSource;
    private final MtcpServer mtcp;
    private final Server jetty;
    private final Metrics metrics;
    private final Slowdown slowdown;
    private final BatchEngine engine;
    private final Object lifecycle = new Object();
    private Phase phase = Phase.SERVING;                      // guarded by lifecycle
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile int droppedByClose = -1;                 // set when close() cuts a drain short
    /** TLS of the M-TCP links when read from files (reloaded with the pool, and when the files change), else null. */
    private volatile TlsConfig tls;
    private volatile FileWatcher tlsWatcher;

    private FrontendServer(FrontendConfig config, HikariDataSource dataSource, MtcpServer mtcp, Server jetty,
            Metrics metrics, Slowdown slowdown, BatchEngine engine) {
        this.engine = engine;
        this.config = config;
        this.dataSource = dataSource;
        this.mtcp = mtcp;
        this.jetty = jetty;
        this.metrics = metrics;
        this.slowdown = slowdown;
    }

    /** Starts a front-end; a clear {@link StartupException} when the database or the pool file is unusable. */
    public static FrontendServer start(FrontendConfig config, Operations operations) throws StartupException {
        return start(config, operations, (AppHandler) null);
    }

    /**
     * Starts a front-end that also serves an application's own resources ({@code app}, may be
     * null: only the API).
     */
    public static FrontendServer start(FrontendConfig config, Operations operations, AppHandler app)
            throws StartupException {
        if (config.poolFile() == null) {
            throw new StartupException("no pool file", null);
        }
        PoolConfig pool = loadPool(config.poolFile());
        if (pool.member(config.name()).isEmpty()) {
            throw new StartupException("the pool file " + config.poolFile() + " has no server named '" + config.name() + "'", null);
        }
        try {
            config.stateTransfer().checkPoolSize(pool.members().size());
        } catch (IllegalArgumentException e) {
            throw new StartupException("the pool file " + config.poolFile() + " is too small for the state transfer: "
                    + e.getMessage(), e);
        }
        ServerOptions options = ServerOptions.defaults().withStateTransfer(config.stateTransfer());
        TlsConfig tls = null;
        switch (config.links()) {
            case FrontendConfig.Links.Tls files -> {
                try {
                    tls = TlsConfig.load(files.files());
                } catch (IOException e) {
                    throw new StartupException("cannot load the TLS keys: " + e.getMessage(), e);   // names the file
                }
                options = options.withTls(tls);
            }
            case FrontendConfig.Links.Plaintext plaintext -> options = options.withPlaintext();
            case FrontendConfig.Links.Unspecified unspecified -> { }
        }
        ServerOptions chosen = options;
        FrontendServer server = start(config, operations, () -> MtcpServer.start(pool, config.name(), chosen), app);
        if (tls != null) {
            server.watchTls(tls);
        }
        return server;
    }

    /** The pool file, or a {@link StartupException} naming the file and what is wrong with it. */
    public static PoolConfig loadPool(java.nio.file.Path file) throws StartupException {
        try {
            return PoolConfig.load(file);
        } catch (IOException e) {
            throw new StartupException(e.getMessage(), e);      // names the file and the reason
        } catch (IllegalArgumentException e) {
            throw new StartupException("invalid pool file: " + e.getMessage(), e);   // names the file and line
        }
    }

    /** New links get new keys once their files change (a half-written file keeps the keys in use until complete). */
    private void watchTls(TlsConfig loaded) {
        tls = loaded;
        tlsWatcher = FileWatcher.start("fe-" + config.name() + "-tls-watch", FileWatcher.KEY_FILES_INTERVAL);
        loaded.watch(tlsWatcher);
    }

    /**
     * Starts a front-end on an M-TCP server that is already running (tests: a pool on free
     * ports); the front-end owns it from now on and closes it. The server's own options decide
     * its state transfer ({@link FrontendConfig#stateTransfer()} is not used).
     */
    public static FrontendServer start(FrontendConfig config, Operations operations, MtcpServer mtcp)
            throws StartupException {
        return start(config, operations, () -> mtcp, null);
    }

    /** As {@link #start(FrontendConfig, Operations, MtcpServer)}, also serving {@code app} (may be null). */
    public static FrontendServer start(FrontendConfig config, Operations operations, MtcpServer mtcp, AppHandler app)
            throws StartupException {
        return start(config, operations, () -> mtcp, app);
    }

    private interface MtcpStarter {
        MtcpServer start() throws IOException;
    }

    private static FrontendServer start(FrontendConfig config, Operations operations, MtcpStarter starter,
            AppHandler app) throws StartupException {
        Operations.Builder all = Operations.builder().registerAll(operations.all());
        for (var file : config.sqlOperationFiles()) {
            try {
                all.loadSql(file);
            } catch (IOException | IllegalArgumentException e) {
                throw new StartupException("cannot load SQL operations from " + file + ": " + e.getMessage(), e);
            }
        }
        Operations ops = all.build();
        NewestTimeline timelines = new NewestTimeline();
        HikariDataSource ds = dataSource(config, timelines);
        MtcpServer mtcp = null;
        try {
            StartupMigrations.run(config);
            try {
                mtcp = starter.start();
            } catch (IOException e) {
                throw new StartupException("cannot start the M-TCP server '" + config.name() + "': " + e.getMessage(), e);
            }
            Metrics metrics = new Metrics(config.name());
            metrics.transport(mtcp);
            Slowdown slowdown = new Slowdown();
            metrics.slowdown(slowdown::delayMillis);
            BatchParser parser = new BatchParser(ops, config.maxTransactions());
            DatabaseGate gate = new DatabaseGate(ds, config.name(), config.database().acquire(),
                    config.database().failoverWait(), timelines);
            BatchEngine engine = new BatchEngine(new BatchStore(gate), parser, config.name(), config.reconnectTimeout(),
                    metrics, slowdown);
            // one platform thread per pooled connection runs the transactions (TransactionThreads: why)
            engine.useTransactionThreads(config.dbPoolSize());
            // how long the first front-end of a response waits for its client to move after a database failure
            Duration moveWait = Duration.ofSeconds(1).compareTo(config.database().acquire().multipliedBy(2)) > 0
                    ? Duration.ofSeconds(1) : config.database().acquire().multipliedBy(2);
            DatabaseLoss loss = new DatabaseLoss(config.name(), moveWait);

            VirtualThreadPool threads = new VirtualThreadPool();
            threads.setName("fe-" + config.name());
            Server jetty = new Server(threads);
            HttpConfiguration http = new HttpConfiguration();
            // A deterministic response head: another front-end must be able to produce the same bytes.
            http.setSendDateHeader(false);
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
            MtcpConnector connector = new MtcpConnector(jetty, mtcp, new HttpConnectionFactory(http));
            connector.setName(config.name());
            connector.setIdleTimeout(config.idleTimeout().toMillis());
            connector.setAcceptHandler(new FrontendConnections(engine, metrics));
            jetty.addConnector(connector);
            // Micrometer's Jetty 12 request timer around the API: jetty_server_requests_seconds{method,status,outcome}.
            TimedHandler timed = new TimedHandler(metrics.registry(), Tags.empty());
            timed.setHandler(new FrontendHandler(engine, parser, metrics, slowdown, config.adminToken(),
                    config.maxBodyBytes(), loss, app));
            FrontendHandler handler = (FrontendHandler) timed.getHandler();
            jetty.setHandler(timed);
            metrics.jetty(jetty);
            jetty.setErrorHandler(new JsonErrorHandler());   // Jetty's own 400/431/... as the API's JSON errors
            jetty.setStopTimeout(2000);
            try {
                jetty.start();
            } catch (Exception e) {
                throw new StartupException("cannot start Jetty: " + e.getMessage(), e);
            }
            LOG.info("front-end {} serving {} on {} (database {})", config.name(), ops.all().size() + " operations",
                    mtcp.serviceAddress(), config.jdbcUrl());
            FrontendServer server = new FrontendServer(config, ds, mtcp, jetty, metrics, slowdown, engine);
            handler.bind(server);
            return server;
        } catch (StartupException | RuntimeException e) {
            if (mtcp != null) {
                mtcp.close();
            }
            ds.close();
            throw e;
        }
    }

    private static HikariDataSource dataSource(FrontendConfig config, NewestTimeline timelines) throws StartupException {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("fe-" + config.name());
        Duration failoverWait = config.database().failoverWait();
        if (failoverWait.isZero()) {
            hc.setJdbcUrl(config.jdbcUrl());
            if (config.dbUser() != null) {
                hc.setUsername(config.dbUser());
            }
            if (config.dbPassword() != null) {
                hc.setPassword(config.dbPassword());
            }
        }
        hc.setMaximumPoolSize(config.dbPoolSize());
        // A fixed-size pool (HikariCP's own advice): fewer connections than the maximum then means
        // they could not be made, which DatabaseGate reads as an outage, not as a busy pool.
        hc.setMinimumIdle(config.dbPoolSize());
        // Short, so that a front-end answers 503 before its clients' response-time policy moves them
        // (docs/frontend.md, "Database outages"); pgjdbc's connect timeout is in whole seconds.
        long acquire = config.database().acquire().toMillis();
        hc.setConnectionTimeout(acquire);
        hc.setValidationTimeout(acquire);
        hc.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, (acquire + 999) / 1000)));
        hc.setInitializationFailTimeout(5_000);
        hc.addDataSourceProperty("tcpKeepAlive", "true");
        hc.addDataSourceProperty("ApplicationName", "mtcp-frontend-" + config.name());
        if (!failoverWait.isZero()) {
            // The pool's connections are made through FailoverDataSource (why: there), with the same settings.
            java.util.Properties properties = new java.util.Properties();
            properties.putAll(hc.getDataSourceProperties());
            if (config.dbUser() != null) {
                properties.setProperty("user", config.dbUser());
            }
            if (config.dbPassword() != null) {
                properties.setProperty("password", config.dbPassword());
            }
            hc.setDataSource(new FailoverDataSource(config.name(), config.jdbcUrl(), properties, failoverWait, timelines));
        }
        try {
            return new HikariDataSource(hc);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new StartupException("cannot connect to the database " + redact(config.jdbcUrl()) + ": "
                    + cause.getMessage(), e);
        }
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    public String name() {
        return config.name();
    }

    public InetSocketAddress serviceAddress() {
        return mtcp.serviceAddress();
    }

    /**
     * The certificate new M-TCP links get, when this front-end's TLS keys come from files (it
     * changes when they are reloaded); empty for plaintext or a server it was given.
     */
    public Optional<X509Certificate> tlsCertificate() {
        TlsConfig t = tls;
        return t == null ? Optional.empty() : t.certificate();
    }

    public Metrics metrics() {
        return metrics;
    }

    public Slowdown slowdown() {
        return slowdown;
    }

    /** The batch engine (tests install fault-injection hooks on it). */
    public BatchEngine engine() {
        return engine;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Waits until the front-end has stopped (drained, or closed). */
    public void join() throws InterruptedException {
        stopped.await();
    }

    @Override
    public Phase phase() {
        synchronized (lifecycle) {
            return phase;
        }
    }

    /**
     * What a drain did: the connections held when it began, how many moved to a peer (server-side
     * migrations counted by the transport), how many were still held when it ended and were
     * dropped (0 unless the timeout passed or the drain was cut short), and how long it took.
     * Connections neither moved nor dropped ended on their own meanwhile.
     */
    public record DrainReport(int held, long moved, int dropped, Duration took) {}

    /**
     * Zero-downtime stop: refuses new clients ({@code /healthz} answers {@code draining}), asks
     * every client held here to move to a peer (a batch in the middle of a transaction moves at its
     * next snapshot, as in any migration), waits up to {@code timeout} for them to go, then stops
     * Jetty and closes the database pool. Logs one line with the counts. A second call while one
     * runs waits for it; {@link #close()} meanwhile cuts it short.
     */
    public DrainReport drain(Duration timeout) {
        synchronized (lifecycle) {
            if (phase != Phase.SERVING) {
                awaitStopped();
                return new DrainReport(0, 0, 0, Duration.ZERO);
            }
            phase = Phase.DRAINING;
        }
        long t0 = System.nanoTime();
        int held = mtcp.stats().open();
        long movedBefore = mtcp.stats().migratedOut();
        LOG.info("front-end {} draining: asking {} connection(s) to move to a peer (up to {} ms)", config.name(), held,
                timeout.toMillis());
        int dropped = mtcp.drain(timeout);
        if (droppedByClose >= 0) {
            dropped = droppedByClose;
        }
        long moved = mtcp.stats().migratedOut() - movedBefore;
        stopTheRest();
        DrainReport report = new DrainReport(held, moved, dropped, Duration.ofNanos(System.nanoTime() - t0));
        LOG.info("front-end {} drained in {} ms: {} of {} connection(s) moved to peers, {} dropped", config.name(),
                report.took().toMillis(), report.moved(), report.held(), report.dropped());
        return report;
    }

    @Override
    public void startDrain(String why) {
        synchronized (lifecycle) {
            if (phase != Phase.SERVING) {
                return;
            }
        }
        LOG.info("front-end {}: drain asked ({})", config.name(), why);
        Thread.ofPlatform().name("fe-" + config.name() + "-drain").start(() -> drain(config.drainTimeout()));
    }

    /**
     * Reads the TLS key files again, when the keys come from files (SIGHUP, {@code POST
     * /admin/pool}), then the pool file. Keys that cannot be used keep the keys in use and the
     * pool (the exception says why).
     */
    @Override
    public PoolChange reloadPool() throws IOException {
        TlsConfig t = tls;
        if (t != null) {
            try {
                t.reload();
            } catch (IOException e) {
                throw new IOException("the TLS keys were not reloaded (the keys in use and the pool stay): "
                        + e.getMessage(), e);
            }
        }
        PoolConfig next = PoolConfig.load(config.poolFile());
        List<String> before = mtcp.pool().members().stream().map(m -> m.name()).toList();
        List<String> after = next.members().stream().map(m -> m.name()).toList();
        mtcp.updatePool(next);
        List<String> added = new ArrayList<>(after);
        added.removeAll(before);
        List<String> removed = new ArrayList<>(before);
        removed.removeAll(after);
        LOG.info("front-end {}: pool reloaded from {}: members {} (added {}, removed {})", config.name(),
                config.poolFile(), after, added, removed);
        return new PoolChange(added, removed, after);
    }

    /** Stops at once: connections still held are dropped, as a crash would (a drain under way ends now). */
    @Override
    public void close() {
        int held = mtcp.stats().open();
        boolean wasDraining;
        synchronized (lifecycle) {
            if (phase == Phase.STOPPED) {
                return;
            }
            wasDraining = phase == Phase.DRAINING;
        }
        if (wasDraining) {
            droppedByClose = held;
            LOG.info("front-end {}: drain cut short, {} connection(s) dropped", config.name(), held);
        }
        stopTheRest();   // closing the transport also wakes a drain under way
    }

    /** Jetty (its connector closes the transport; handlers finish within its stop timeout), then the database pool. */
    private void stopTheRest() {
        synchronized (lifecycle) {
            if (phase == Phase.STOPPED) {
                return;
            }
            phase = Phase.STOPPED;
        }
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.debug("stopping Jetty (the front-end stops anyway)", e);
        }
        try {
            mtcp.close();
        } catch (RuntimeException e) {
            LOG.debug("closing the M-TCP server (already closed by a drain)", e);
        }
        engine.close();
        dataSource.close();
        FileWatcher watcher = tlsWatcher;
        if (watcher != null) {
            watcher.close();
        }
        stopped.countDown();
    }

    private void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A front-end that could not start, with a message meant for the operator. */
    public static final class StartupException extends Exception {
        public StartupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
