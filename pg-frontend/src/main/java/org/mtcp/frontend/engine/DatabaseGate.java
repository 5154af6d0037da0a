package org.mtcp.frontend.engine;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.mtcp.jdbc.TxId;
import org.slf4j.LoggerFactory;

/**
 * The front-end's database-loss detector, in front of its connection pool: a front-end must answer
 * within its clients' response-time threshold even when it cannot serve (docs/frontend.md,
 * "Database outages").
 *
 * <p>A connection attempt that fails to reach the database (the pool's timeout with a connection
 * failure as its cause, or SQLSTATE 08xxx) marks the database {@link State#DOWN}, with the cause
 * ("Connection refused"). While it is down, {@link #getConnection()} fails at once with that cause,
 * except for one caller per probe interval, which tries the pool (bounded by the pool's
 * connection timeout, {@code --db-timeout}); its success marks the database {@link State#UP}
 * again. A pool that is merely busy (every connection in use, no failure) is not an outage.
 *
 * <p>With a failover wait ({@code --db-failover-wait}), an outage is first taken for a failover
 * (the primary died, a standby is being promoted, the multi-host URL will find it): for that long
 * after the database became unreachable, callers keep asking the pool, every {@link #FAILOVER_POLL},
 * instead of failing, so that a batch in the middle goes on once the new primary accepts
 * connections; the pool's connections to the old server are evicted at once (they would each fail
 * one attempt). After the wait, callers fail at once as without one.
 */
public final class DatabaseGate implements DataSource {

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(DatabaseGate.class);

    /** What the front-end knows of its database. */
    public enum State { UP, DOWN }

    /** The state and, when down, why. */
    public record Status(State state, String cause) {}

    private final DataSource pool;
    private final String frontend;
    private final long probeIntervalNanos;
    private final Duration failoverWait;
    private final NewestTimeline timelines;
    private final Object lock = new Object();
    private Status status = new Status(State.UP, null);   // guarded by lock
    private long nextProbeNanos;                           // guarded by lock
    private long failoverEndsNanos;                        // guarded by lock: the end of this outage's failover wait
    private boolean failoverOver;                          // guarded by lock: this outage outlasted the wait (logged)
    private long nextEvictionNanos;                        // guarded by lock: connectionLost evicts again from then

    /** How often a caller that waits out a failover asks the pool again (on top of the pool's own timeout). */
    static final Duration FAILOVER_POLL = Duration.ofMillis(100);

    public DatabaseGate(DataSource pool, String frontend, Duration probeInterval) {
        this(pool, frontend, probeInterval, Duration.ZERO);
    }

    public DatabaseGate(DataSource pool, String frontend, Duration probeInterval, Duration failoverWait) {
        this(pool, frontend, probeInterval, failoverWait, new NewestTimeline());
    }

    /** {@code timelines}: shared with the pool's connection source, which refuses old primaries too. */
    public DatabaseGate(DataSource pool, String frontend, Duration probeInterval, Duration failoverWait,
            NewestTimeline timelines) {
        this.pool = pool;
        this.timelines = timelines;
        this.frontend = frontend;
        this.probeIntervalNanos = probeInterval.toNanos();
        this.failoverWait = failoverWait;
    }

    /**
     * How long a COMMIT may go unanswered before its server is taken for lost ({@code
     * --db-failover-wait}; 0: no bound). A primary that vanishes without a reset (stopped,
     * partitioned) would otherwise hold the COMMIT until TCP gives up, hours later. Cutting a
     * COMMIT that was merely slow is safe: its outcome is then asked for ({@code mtcp.reconnect}),
     * which waits for it or aborts it, so the answer stays definite.
     */
    public Duration commitTimeout() {
        return failoverWait;
    }

    public Status status() {
        synchronized (lock) {
            return status;
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        while (true) {
            synchronized (lock) {
                long now = System.nanoTime();
                if (status.state() == State.DOWN && !failingOver(now)) {
                    if (now - nextProbeNanos < 0) {
                        throw new SQLTransientConnectionException(status.cause(), "08001");
                    }
                    nextProbeNanos = now + probeIntervalNanos;   // this caller probes; the others answer at once
                }
            }
            try {
                return fromPool();
            } catch (SQLException e) {
                if (!awaitFailover()) {
                    throw e;
                }
            }
        }
    }

    /** Whether the database is down but within its failover wait (callers wait for it). Holds lock. */
    private boolean failingOver(long now) {
        if (now - failoverEndsNanos < 0) {
            return true;
        }
        if (!failoverOver && !failoverWait.isZero()) {
            failoverOver = true;
            LOG.warn("{}: no database within the failover wait of {} ms; answering 503 at once until it is back", frontend,
                    failoverWait.toMillis());
        }
        return false;
    }

    /** After a failed attempt: pauses and returns true while the outage is within its failover wait. */
    private boolean awaitFailover() {
        synchronized (lock) {
            if (status.state() != State.DOWN || !failingOver(System.nanoTime())) {
                return false;
            }
        }
        try {
            Thread.sleep(FAILOVER_POLL);   // the pool's attempt failed at once (refused): ask again shortly
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;                  // the caller is being stopped: it gets the failure
        }
    }

    private Connection fromPool() throws SQLException {
        long busySince = System.nanoTime();
        while (true) {
            try {
                Connection c = pool.getConnection();
                up();
                return c;
            } catch (SQLException e) {
                if (isOutage(e)) {
                    down(cause(e));
                    throw e;
                }
                if (!poolIsFull()) {
                    down("the database cannot be reached: no connection could be made within the timeout");
                    throw e;
                }
                // Every connection is in use: back-pressure, not an outage. The request waits for
                // one (the pool's timeout again), as a busy server is slow, up to BUSY_WAIT.
                if (System.nanoTime() - busySince > BUSY_WAIT.toNanos()) {
                    throw e;
                }
            }
        }
    }

    /** How long a caller waits for a connection while the database is up but every connection is in use. */
    static final Duration BUSY_WAIT = Duration.ofSeconds(30);

    private void up() {
        synchronized (lock) {
            if (status.state() == State.DOWN) {
                LOG.info("{}: the database is reachable again", frontend);
            }
            status = new Status(State.UP, null);
        }
    }

    private void down(String cause) {
        boolean began;
        synchronized (lock) {
            began = status.state() == State.UP;
            if (began) {
                long now = System.nanoTime();
                if (failoverWait.isZero()) {
                    LOG.warn("{}: the database is unreachable: {}; answering 503 at once until it is back", frontend, cause);
                } else {
                    LOG.warn("{}: the database is unreachable: {}; waiting up to {} ms for it (a failover) before answering 503",
                            frontend, cause, failoverWait.toMillis());
                }
                nextProbeNanos = now + probeIntervalNanos;
                failoverEndsNanos = now + failoverWait.toNanos();
                failoverOver = false;
            }
            status = new Status(State.DOWN, cause);
        }
        if (began && !failoverWait.isZero()) {
            evictPooledConnections();
        }
    }

    /**
     * A caller's connection broke in use (SQLSTATE 08xxx or 57Pxx). With a failover wait, the
     * pool's other connections are evicted too, at most once per {@link #FAILOVER_POLL}: after a
     * crash of the primary they all lead to it, and HikariCP checks an idle connection only when
     * it was idle for 500 ms, so the probe and the retries after a failed COMMIT could each be
     * handed a dead one (FrontendDatabaseTest saw three in a row end a batch that the wait was
     * for) instead of a new connection, whose failure starts the wait. Without a failover wait
     * nothing changes: a takeover's terminations (57P01) then cost no reconnections.
     */
    public void connectionLost() {
        if (failoverWait.isZero()) {
            return;
        }
        synchronized (lock) {
            long now = System.nanoTime();
            if (now - nextEvictionNanos < 0) {
                return;
            }
            nextEvictionNanos = now + FAILOVER_POLL.toNanos();
        }
        evictPooledConnections();
    }

    /**
     * After a transaction began on {@code c}'s server, whose timeline is {@code timeline}: on a
     * timeline behind the newest this front-end has seen, the server is an old primary started
     * again (the pool connected to it before the front-end knew better). Its commits would be lost
     * to the promoted database, and its fences know nothing of the takeovers made there: {@code c}
     * is evicted and the caller gets {@code MT008}, which the engine treats as a lost connection
     * (it tries again on a new one, which the pool makes to the newest primary). Otherwise the
     * timeline is recorded.
     */
    public void requireNewest(Connection c, long timeline) throws SQLException {
        if (timelines.isBehind(timeline)) {
            long newest = timelines.newest();
            evict(c);
            connectionLost();
            LOG.warn("{}: the database server is an old primary: it writes on timeline {}, behind timeline {} seen before"
                    + " (started again without pg_rewind); not using it", frontend, timeline, newest);
            throw new SQLException("this server is an old primary: on timeline " + timeline + ", behind timeline " + newest
                    + " that this front-end used before", MtcpSql.NOT_THE_PRIMARY);
        }
        timelines.saw(timeline);
    }

    /**
     * A transaction of {@code tid}'s timeline ran (a snapshot's, resumed from): the batch's history
     * is on that timeline at least, and a primary behind it is an old one.
     */
    public void sawTransactionOf(TxId tid) {
        if (tid != null) {
            timelines.saw(tid.timeline());
        }
    }

    /**
     * {@code c}'s server answered {@code MT008} for {@code tid}: it is behind that transaction's
     * timeline (an old primary) or a standby. Records the timeline and evicts {@code c}, so that
     * the caller's next attempt gets a connection to the newest primary.
     */
    public void notThePrimary(Connection c, TxId tid) {
        sawTransactionOf(tid);
        evict(c);
        connectionLost();
    }

    /** Closes {@code c} for good (when returned, if in use) instead of pooling it again. */
    private void evict(Connection c) {
        if (pool instanceof HikariDataSource h) {
            try {
                h.evictConnection(c);
            } catch (RuntimeException e) {
                LOG.debug("{}: evicting a connection failed: {}", frontend, e.toString());   // closed anyway: nothing pooled
            }
        }
    }

    /**
     * The pool's connections lead to the server that became unreachable (after a failover, the old
     * primary): each would fail one attempt of a transaction before the pool drops it. HikariCP
     * closes the idle ones now and the others when they are returned.
     */
    private void evictPooledConnections() {
        if (pool instanceof HikariDataSource h && h.getHikariPoolMXBean() != null) {
            h.getHikariPoolMXBean().softEvictConnections();
        }
    }

    /**
     * Whether the pool holds as many connections as it may: a timeout then means they are all in
     * use (back-pressure). With fewer, it could not make one in time: the database is out of
     * reach, even when the timeout carries no cause (HikariCP reports the last failed attempt
     * only when one has happened within the wait). Not a HikariCP pool: trust the exception.
     */
    private boolean poolIsFull() {
        if (pool instanceof HikariDataSource h && h.getHikariPoolMXBean() != null) {
            return h.getHikariPoolMXBean().getTotalConnections() >= h.getMaximumPoolSize();
        }
        return true;
    }

    /** A failed connection attempt, as opposed to a pool whose connections are all in use. */
    static boolean isOutage(SQLException e) {
        String state = e.getSQLState();
        return e.getCause() != null || (state != null && state.startsWith("08"));
    }

    /** The innermost cause's message: "Connection refused", not the pool's bookkeeping. */
    public static String cause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the front-end's pool has one set of credentials");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : pool.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || pool.isWrapperFor(iface);
    }
}
