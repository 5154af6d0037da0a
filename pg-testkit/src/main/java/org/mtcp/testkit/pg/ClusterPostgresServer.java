package org.mtcp.testkit.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A throwaway cluster of an installed PostgreSQL (Debian's {@code /usr/lib/postgresql/15/bin}),
 * started by the test kit: {@code initdb} into a temp directory, then {@code pg_ctl start} on a
 * free port, trust authentication, listening on 127.0.0.1 only (the Unix socket in that private
 * directory), fsync off, room for the race tests' connections. Stopped and deleted when the JVM
 * exits. As root every command runs as user {@code postgres} ({@code runuser}): initdb refuses
 * root.
 *
 * <p>Extensions are not copied in: the cluster uses the installation's own {@code SHAREDIR}, where a
 * DBA installs them with PGXS ({@code make -C pg-backend-ext install PG_CONFIG=...}, which the
 * build does in {@code pg-backend-ext} under the {@code postgresql-15} profile).
 * {@link #ensureExtensionAvailable} checks that the files installed there are the ones on the
 * class path, so a stale or missing installation fails with that command rather than testing old
 * SQL.
 */
final class ClusterPostgresServer extends DelegatingPostgresServer {

    private final Path binDir;
    private final Path extensionDir;

    private ClusterPostgresServer(Path binDir, PostgresServer server) {
        super(server);
        this.binDir = binDir;
        try {
            this.extensionDir = Path.of(ExtensionBundle.extensionDirectoryOf(server));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot ask " + server.description() + " for its SHAREDIR", e);
        }
    }

    /** Starts a new cluster from the binaries in {@code binDir}; it lives until the JVM exits. */
    static ClusterPostgresServer start(Path binDir) {
        LocalCluster cluster = LocalCluster.prepare(binDir);
        cluster.initdb(false);
        cluster.start("-c synchronous_commit=off -c full_page_writes=off");
        return new ClusterPostgresServer(binDir, new ExternalPostgresServer(cluster.adminUrl("postgres")));
    }

    @Override
    public void ensureExtensionAvailable(String name) {
        ExtensionBundle bundle = ExtensionBundle.find(name);
        List<String> differing;
        try {
            differing = bundle.filesDifferingFrom(extensionDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compare " + bundle + " with " + extensionDir, e);
        }
        if (!differing.isEmpty()) {
            throw new IllegalStateException(bundle + " is not installed as built into " + extensionDir + " (missing or"
                    + " different: " + differing + "): install it as a DBA does, make -C pg-backend-ext install PG_CONFIG="
                    + binDir.resolve("pg_config") + " (the build does this in pg-backend-ext under the postgresql-15 profile)");
        }
        server.ensureExtensionAvailable(name);
    }

    @Override
    public boolean installsExtensionFiles() {
        return false;
    }

    @Override
    public String description() {
        return "throwaway cluster of PostgreSQL " + majorVersion() + " from " + binDir + " at "
                + server.jdbcUrl(maintenanceDatabase());
    }
}
