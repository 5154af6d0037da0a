package org.mtcp.testkit.pg;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A database created for one test class on a {@link PostgresServer}, dropped by {@link #close()}
 * together with the roles created through {@link #createRole}.
 *
 * <p>{@link #connect()} connects as the server's administrative role (a superuser on the embedded
 * server); tests that must prove something works for an ordinary role create one with
 * {@link #createRole} and use {@link #connect(TestRole)}.
 */
public final class TestDatabase implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern ROLE_SUFFIX = Pattern.compile("[a-z][a-z0-9_]{0,20}");
    private static final Pattern ROLE_OPTIONS = Pattern.compile("[A-Za-z ]*");

    private final PostgresServer server;
    private final String name;
    private final List<String> roles = new ArrayList<>();
    private boolean closed;

    private TestDatabase(PostgresServer server, String name) {
        this.server = server;
        this.name = name;
    }

    /**
     * Creates a fresh database named after {@code hint} (plus a random suffix) and creates
     * {@code extensions} in it.
     */
    public static TestDatabase create(PostgresServer server, String hint, List<String> extensions) throws SQLException {
        for (String extension : extensions) {
            server.ensureExtensionAvailable(extension);
        }
        String base = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        if (base.length() > 30) {            // 2 + 30 + 9, + 22 for a role's suffix: within NAMEDATALEN (63)
            base = base.substring(0, 30);
        }
        String name = "t_" + base + "_" + randomHex(4);
        try (Connection c = server.connectAdmin(server.maintenanceDatabase()); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + quoteIdentifier(name));
        }
        TestDatabase db = new TestDatabase(server, name);
        try {
            for (String extension : extensions) {
                db.execute("CREATE EXTENSION " + quoteIdentifier(extension));
            }
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    /** The database's name. */
    public String name() {
        return name;
    }

    /** The server it lives on. */
    public PostgresServer server() {
        return server;
    }

    /** JDBC URL of this database, without credentials. */
    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    /** Connection properties of the administrative role. */
    public Properties adminProperties() {
        return server.adminProperties();
    }

    /** A new connection as the administrative role. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), server.adminProperties());
    }

    /** A new connection as {@code role}. */
    public Connection connect(TestRole role) throws SQLException {
        Properties p = server.adminProperties();
        p.putAll(role.properties());
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    /** A data source that connects as {@code role}. */
    public DataSource dataSource(TestRole role) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(jdbcUrl());
        ds.setUser(role.name());
        ds.setPassword(role.password());
        return ds;
    }

    /**
     * Creates a login role for this database's tests: its name is {@code suffix} prefixed with
     * the database's name, its password random. {@code options} are role options in SQL (letters
     * and spaces only), e.g. {@code "NOSUPERUSER NOINHERIT"}.
     */
    public TestRole createRole(String suffix, String options) throws SQLException {
        Objects.requireNonNull(options, "options");
        if (!ROLE_SUFFIX.matcher(suffix).matches()) {
            throw new IllegalArgumentException("role suffix must match " + ROLE_SUFFIX + ": " + suffix);
        }
        if (!ROLE_OPTIONS.matcher(options).matches()) {
            throw new IllegalArgumentException("role options are SQL keywords only: " + options);
        }
        TestRole role = new TestRole(name + "_" + suffix, randomHex(16));
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + quoteIdentifier(role.name()) + " LOGIN PASSWORD '" + role.password() + "' " + options);
            s.execute("GRANT CONNECT, TEMPORARY ON DATABASE " + quoteIdentifier(name) + " TO " + quoteIdentifier(role.name()));
        }
        synchronized (roles) {
            roles.add(role.name());
        }
        return role;
    }

    /** A login role without any attributes: no superuser, no createdb, no createrole. */
    public TestRole createRole(String suffix) throws SQLException {
        return createRole(suffix, "NOSUPERUSER NOCREATEDB NOCREATEROLE");
    }

    /** Runs statements (no parameters) in this database as the administrative role, in one session. */
    public void execute(String... statements) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** Drops the database (terminating its connections) and the roles created for it. */
    @Override
    public synchronized void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        try (Connection c = server.connectAdmin(server.maintenanceDatabase()); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + quoteIdentifier(name) + " WITH (FORCE)");
            synchronized (roles) {
                for (String role : roles) {
                    s.execute("DROP ROLE IF EXISTS " + quoteIdentifier(role));
                }
            }
        }
    }

    /** Quotes an SQL identifier (doubling embedded quotes). */
    public static String quoteIdentifier(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @Override
    public String toString() {
        return "database " + name + " on " + server.description();
    }
}
