package org.mtcp.testkit.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * A PostgreSQL the test kit did not start, named by a JDBC URL such as
 * {@code jdbc:postgresql://127.0.0.1:5433/postgres?user=postgres&password=secret}. The URL's role
 * must be allowed to create databases and roles (a superuser, for the tests that need one). Its
 * database is the maintenance database; its {@code user} and {@code password} parameters are the
 * administrative credentials; its other parameters are kept on every URL handed out.
 */
final class ExternalPostgresServer implements PostgresServer {

    private static final String PREFIX = "jdbc:postgresql://";

    private final String hostAndPort;
    private final String database;
    private final String query;             // without credentials, "" or "?a=b&c=d"
    private final Properties admin = new Properties();
    private final int majorVersion;

    ExternalPostgresServer(String url) {
        if (!url.startsWith(PREFIX)) {
            throw new IllegalArgumentException("MTCP_TEST_PG_URL must be a JDBC URL starting with " + PREFIX
                    + ", e.g. jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres (got " + url + ")");
        }
        String rest = url.substring(PREFIX.length());
        int q = rest.indexOf('?');
        String params = q < 0 ? "" : rest.substring(q + 1);
        String authority = q < 0 ? rest : rest.substring(0, q);
        int slash = authority.indexOf('/');
        this.hostAndPort = slash < 0 ? authority : authority.substring(0, slash);
        String db = slash < 0 ? "" : authority.substring(slash + 1);
        this.database = db.isEmpty() ? "postgres" : db;
        List<String> kept = new ArrayList<>();
        for (String param : params.split("&")) {
            if (param.isEmpty()) {
                continue;
            }
            int eq = param.indexOf('=');
            String key = (eq < 0 ? param : param.substring(0, eq)).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : java.net.URLDecoder.decode(param.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            if (key.equals("user") || key.equals("password")) {
                admin.setProperty(key, value);
            } else {
                kept.add(param);
            }
        }
        this.query = kept.isEmpty() ? "" : "?" + String.join("&", kept);
        try (Connection c = connectAdmin(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('server_version_num')::int / 10000")) {
            rs.next();
            this.majorVersion = rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to MTCP_TEST_PG_URL " + jdbcUrl(database) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String jdbcUrl(String db) {
        return PREFIX + hostAndPort + "/" + db + query;
    }

    @Override
    public Properties adminProperties() {
        Properties p = new Properties();
        p.putAll(admin);
        return p;
    }

    @Override
    public String maintenanceDatabase() {
        return database;
    }

    @Override
    public int majorVersion() {
        return majorVersion;
    }

    @Override
    public void ensureExtensionAvailable(String name) {
        try (Connection c = connectAdmin(database);
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("extension " + name + " is not installed on the external server "
                            + description() + ": install its files there first (for mtcp: make -C pg-backend-ext install"
                            + " PG_CONFIG=<that server's pg_config>)");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot check extension " + name + " on " + description(), e);
        }
    }

    @Override
    public boolean installsExtensionFiles() {
        return false;
    }

    @Override
    public String description() {
        return "external PostgreSQL " + majorVersion + " at " + hostAndPort;
    }
}
