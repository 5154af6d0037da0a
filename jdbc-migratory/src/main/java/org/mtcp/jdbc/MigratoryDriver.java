package org.mtcp.jdbc;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * The JDBC driver for {@code jdbc:migratory:postgresql://host[:port]/database[?params]}: the URL
 * is pgjdbc's with {@code migratory:} inserted, every parameter is pgjdbc's, and pgjdbc does the
 * work. What it adds:
 *
 * <ul>
 *   <li>its connections are {@link MigratoryConnection}s (also through a pool:
 *       {@code unwrap(MigratoryConnection.class)}, or better {@link MigratoryConnection#of} on the
 *       pool's proxy);</li>
 *   <li>it checks on connect that the database has the mtcp API (extension or migration) and
 *       that this role may use it, and fails with instructions otherwise; parameter
 *       {@value #VERIFY_PROPERTY}{@code =false} skips the check.</li>
 * </ul>
 *
 * <p>Registered with {@link DriverManager} through {@code META-INF/services/java.sql.Driver} and
 * when this class loads, so HikariCP finds it from {@code jdbcUrl} alone (or
 * {@code driverClassName=org.mtcp.jdbc.MigratoryDriver}).
 */
public final class MigratoryDriver implements Driver {

    /** The URL prefix this driver accepts. */
    public static final String URL_PREFIX = "jdbc:migratory:postgresql:";

    /** Connection property (or URL parameter): check the mtcp API on connect (default true). */
    public static final String VERIFY_PROPERTY = "mtcpVerify";

    private static final String PG_PREFIX = "jdbc:postgresql:";

    static {
        try {
            DriverManager.registerDriver(new MigratoryDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final org.postgresql.Driver postgres = new org.postgresql.Driver();

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;                    // JDBC: not ours, let the next driver try
        }
        String pgUrl = toPostgresUrl(url);
        Properties props = new Properties();
        if (info != null) {
            props.putAll(info);
        }
        boolean verify = verify(pgUrl, props);
        props.remove(VERIFY_PROPERTY);
        Connection connection = postgres.connect(pgUrl, props);
        if (connection == null) {
            throw new SQLException("pgjdbc refused the URL " + pgUrl, "08001");
        }
        try {
            if (verify) {
                String version = MtcpApi.apiVersion(connection);
                if (!MtcpApi.supports(version)) {
                    throw new SQLException("the database's mtcp API is version " + version + ", this driver needs "
                            + MtcpStatements.SUPPORTED_API_VERSION + " or later: ALTER EXTENSION mtcp UPDATE"
                            + " (or apply the newer migration)", "0A000");
                }
            }
            return MigratoryConnectionImpl.wrap(connection);
        } catch (SQLException | RuntimeException e) {
            try {
                connection.close();
            } catch (SQLException close) {
                e.addSuppressed(close);
            }
            throw e;
        }
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(URL_PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        DriverPropertyInfo[] pg = acceptsURL(url) ? postgres.getPropertyInfo(toPostgresUrl(url), info) : new DriverPropertyInfo[0];
        DriverPropertyInfo verify = new DriverPropertyInfo(VERIFY_PROPERTY, "true");
        verify.description = "Check on connect that the database has the mtcp API and this role may use it";
        verify.choices = new String[] {"true", "false"};
        DriverPropertyInfo[] all = Arrays.copyOf(pg, pg.length + 1);
        all[pg.length] = verify;
        return all;
    }

    @Override
    public int getMajorVersion() {
        return 0;
    }

    @Override
    public int getMinorVersion() {
        return 1;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;                       // as pgjdbc
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return postgres.getParentLogger();
    }

    /** {@code jdbc:migratory:postgresql://...} to {@code jdbc:postgresql://...}. */
    static String toPostgresUrl(String url) {
        return PG_PREFIX + url.substring(URL_PREFIX.length());
    }

    private static boolean verify(String pgUrl, Properties props) throws SQLException {
        String value = props.getProperty(VERIFY_PROPERTY);
        if (value == null) {
            Properties parsed = org.postgresql.Driver.parseURL(pgUrl, null);
            if (parsed == null) {
                throw new SQLException("malformed URL: " + URL_PREFIX + pgUrl.substring(PG_PREFIX.length()), "08001");
            }
            value = parsed.getProperty(VERIFY_PROPERTY, "true");
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new SQLException(VERIFY_PROPERTY + " must be true or false, not " + value, "22023");
        };
    }
}
