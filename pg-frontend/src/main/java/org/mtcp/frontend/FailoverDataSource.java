package org.mtcp.frontend;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.mtcp.frontend.engine.NewestTimeline;
import org.slf4j.LoggerFactory;

/**
 * Where the pool of a front-end with a failover wait ({@code --db-failover-wait}) gets its
 * physical connections: an attempt that finds no server to connect to (the primary died, the
 * standby behind the multi-host URL is not promoted yet: SQLSTATE {@code 08xxx}, or
 * {@code 57P03} while a server starts) is tried again every {@link #RETRY} for up to the failover
 * wait, inside the one call. HikariCP's own retries of a failed attempt back off exponentially, to
 * 5 s between attempts after about 2.5 s of failures: the pool would find a promoted standby up to
 * 5 s late. Retried here, it connects within {@link #RETRY} of the promotion, and the requests
 * waiting in {@link org.mtcp.frontend.engine.DatabaseGate} go on.
 *
 * <p>It also keeps the pool off an old primary. With two primaries up (the old one started again
 * without {@code pg_rewind}: a split brain), pgjdbc's {@code targetServerType=primary} takes the
 * first in the URL, often the old one. So each new connection asks its server's timeline, and
 * with several hosts asks every host's (one short connection each: a new pooled connection costs
 * one connect per host more): a primary behind another host's timeline is an old primary, and the
 * connection is made to the newest instead. A primary behind the newest timeline this front-end
 * has seen ({@link NewestTimeline}) is refused like an unreachable one (SQLSTATE 08001): the wait
 * goes on for the real primary, then ends as any outage does. What it cannot know: a front-end
 * that never reached the new primary and finds only the old one takes it for the primary.
 */
final class FailoverDataSource implements DataSource {

    /** The pause between two attempts to connect during a failover. */
    static final Duration RETRY = Duration.ofMillis(100);

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(FailoverDataSource.class);

    /**
     * A primary's timeline, 0 on a standby: the WAL insert position's file names it, as
     * {@code mtcp.timeline()} does (this runs before the extension may be installed).
     */
    private static final String TIMELINE = "SELECT coalesce(host(inet_server_addr()), 'local') || ':' || inet_server_port(),"
            + " CASE WHEN pg_is_in_recovery() THEN 0"
            + " ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint END";

    private final String frontend;
    private final String url;
    private final List<String> hostUrls;
    /** Connection properties, with {@code socketTimeout} during the connect unless the user set one. */
    private final Properties properties;
    private final boolean userSocketTimeout;
    private final Duration retryFor;
    private final NewestTimeline timelines;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    FailoverDataSource(String frontend, String url, Properties properties, Duration retryFor, NewestTimeline timelines) {
        this.frontend = frontend;
        this.url = url;
        this.hostUrls = singleHostUrls(url);
        this.userSocketTimeout = url.contains("socketTimeout=") || properties.containsKey("socketTimeout");
        this.properties = new Properties();
        this.properties.putAll(properties);
        if (!userSocketTimeout) {
            // a server that accepts the TCP connection but never answers (stopped, or its host
            // partitioned after the handshake) would hold the attempt forever: bound it like the connect
            this.properties.setProperty("socketTimeout", properties.getProperty("connectTimeout", "1"));
        }
        this.retryFor = retryFor;
        this.timelines = timelines;
    }

    @Override
    public Connection getConnection() throws SQLException {
        long deadline = System.nanoTime() + retryFor.toNanos();
        while (true) {
            try {
                return toTheNewestPrimary();
            } catch (SQLException e) {
                if (!noServerYet(e) || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                try {
                    Thread.sleep(RETRY);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();   // the pool is shutting down: it gets the failure
                    throw e;
                }
            }
        }
    }

    /** A server and its timeline (0: a standby). */
    private record Server(String address, long timeline) {}

    /**
     * A connection as pgjdbc chooses it, moved to another host when that one is a primary on a
     * later timeline; refused (08001) when it is still behind the newest timeline seen.
     */
    private Connection toTheNewestPrimary() throws SQLException {
        Connection c = DriverManager.getConnection(url, properties);
        try {
            Server server = serverOf(c);
            if (server.timeline() > 0 && hostUrls.size() > 1) {
                String newerUrl = null;
                Server newer = server;
                for (String hostUrl : hostUrls) {
                    Server other = probe(hostUrl);
                    if (other != null && other.timeline() > newer.timeline()) {
                        newer = other;
                        newerUrl = hostUrl;
                    }
                }
                if (newerUrl != null) {
                    warnOnce("moved", server, "{}: {} is an old primary: it writes on timeline {}, behind {} on timeline {}"
                            + " (started again without pg_rewind); connecting to {} instead", frontend, server.address(),
                            server.timeline(), newer.address(), newer.timeline(), newer.address());
                    c.close();
                    c = DriverManager.getConnection(newerUrl, properties);
                    server = serverOf(c);
                }
            }
            if (timelines.isBehind(server.timeline())) {
                long newest = timelines.newest();
                warnOnce("refused", server, "{}: {} is an old primary: it writes on timeline {}, behind timeline {} seen before"
                        + " (started again without pg_rewind); not using it, waiting for the current primary", frontend,
                        server.address(), server.timeline(), newest);
                throw new SQLException(server.address() + " is an old primary: on timeline " + server.timeline()
                        + ", behind timeline " + newest + " that this front-end used before", "08001");
            }
            timelines.saw(server.timeline());
            if (!userSocketTimeout) {
                c.setNetworkTimeout(Runnable::run, 0);   // the connect's bound is not a statement's: none from now on
            }
            return c;
        } catch (SQLException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);   // the failure that matters is e
            }
            throw e;
        }
    }

    /** Logs once per server, timeline and {@code kind}: every new pooled connection meets the same old primary. */
    private void warnOnce(String kind, Server server, String format, Object... arguments) {
        if (warned.add(kind + " " + server.address() + "@" + server.timeline())) {
            LOG.warn(format, arguments);
        }
    }

    private static Server serverOf(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(TIMELINE); ResultSet rs = st.executeQuery()) {
            rs.next();
            return new Server(rs.getString(1), rs.getLong(2));
        }
    }

    /** The server at {@code hostUrl}, or null when it cannot be reached (or is not the wanted type). */
    private Server probe(String hostUrl) {
        try (Connection c = DriverManager.getConnection(hostUrl, properties)) {
            return serverOf(c);
        } catch (SQLException e) {
            return null;   // down, or a standby under targetServerType=primary: not a newer primary
        }
    }

    /**
     * The hosts of a multi-host pgjdbc URL ({@code jdbc:postgresql://h1:p1,h2:p2/db?...}), each as
     * the same URL with that host alone; a single-host URL gives one.
     */
    static List<String> singleHostUrls(String url) {
        int hostsStart = url.indexOf("//");
        if (hostsStart < 0) {
            return List.of(url);
        }
        hostsStart += 2;
        int hostsEnd = hostsStart;
        while (hostsEnd < url.length() && url.charAt(hostsEnd) != '/' && url.charAt(hostsEnd) != '?') {
            hostsEnd++;
        }
        String[] hosts = url.substring(hostsStart, hostsEnd).split(",");
        if (hosts.length < 2) {
            return List.of(url);
        }
        String head = url.substring(0, hostsStart);
        String tail = url.substring(hostsEnd);
        return Arrays.stream(hosts).map(h -> head + h + tail).toList();
    }

    /** No server accepted the connection (refused, none of the wanted type, starting up); not a refusal of credentials. */
    static boolean noServerYet(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.equals("57P03"));
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the front-end's pool has one set of credentials");
    }

    @Override
    public PrintWriter getLogWriter() {
        return DriverManager.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        DriverManager.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // pgjdbc's connectTimeout and loginTimeout come from the properties
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no java.util.logging here");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper of " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
