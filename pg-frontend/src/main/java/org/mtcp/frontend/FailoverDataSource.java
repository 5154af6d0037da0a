package org.mtcp.frontend;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Where the pool of a front-end with a failover wait ({@code --db-failover-wait}) gets its
 * physical connections: an attempt that finds no server to connect to (the primary died, the
 * standby behind the multi-host URL is not promoted yet: SQLSTATE {@code 08xxx}, or
 * {@code 57P03} while a server starts) is tried again every {@link #RETRY} for up to the failover
 * wait, inside the one call. HikariCP's own retries of a failed attempt back off exponentially, to
 * 5 s between attempts after about 2.5 s of failures: the pool would find a promoted standby up to
 * 5 s late. Retried here, it connects within {@link #RETRY} of the promotion, and the requests
 * waiting in {@link org.mtcp.frontend.engine.DatabaseGate} go on.
 */
final class FailoverDataSource implements DataSource {

    /** The pause between two attempts to connect during a failover. */
    static final Duration RETRY = Duration.ofMillis(100);

    private final String url;
    private final Properties properties;
    private final Duration retryFor;

    FailoverDataSource(String url, Properties properties, Duration retryFor) {
        this.url = url;
        this.properties = properties;
        this.retryFor = retryFor;
    }

    @Override
    public Connection getConnection() throws SQLException {
        long deadline = System.nanoTime() + retryFor.toNanos();
        while (true) {
            try {
                return DriverManager.getConnection(url, properties);
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
