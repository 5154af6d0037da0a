package org.mtcp.testkit.pg;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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

    private static final String ADMIN = "postgres";
    private static final long COMMAND_TIMEOUT_SECONDS = 120;

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
        if (!Files.isExecutable(binDir.resolve("postgres"))) {
            throw new IllegalStateException("no PostgreSQL server at " + binDir + " (Debian: apt-get install postgresql-15;"
                    + " ./mvnw installs it as root)");
        }
        boolean asRoot = new UnixSystem().getUid() == 0;
        Path dir;
        try {
            dir = Files.createTempDirectory("mtcp-pg-cluster.");
            if (asRoot) {
                Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(ADMIN));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a directory for the PostgreSQL cluster", e);
        }
        Cluster cluster = new Cluster(binDir, dir, asRoot);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::stopAndDelete, "stop PostgreSQL cluster " + dir));
        int port = cluster.start();
        return new ClusterPostgresServer(binDir, new ExternalPostgresServer(
                "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + ADMIN));
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

    /** The cluster's processes: initdb, pg_ctl start and stop, as the right user. */
    private record Cluster(Path binDir, Path dir, boolean asRoot) {

        private Path data() {
            return dir.resolve("data");
        }

        /** initdb and start; returns the port. */
        int start() {
            run("initdb", "-D", data().toString(), "-U", ADMIN, "-A", "trust", "-E", "UTF8", "--no-sync");
            int port = freePort();
            run("pg_ctl", "-D", data().toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "60", "start",
                    "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=300"
                            + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB");
            return port;
        }

        /** The shutdown hook: nothing may escape it, so failures are printed, not thrown. */
        void stopAndDelete() {
            if (Files.exists(data().resolve("postmaster.pid"))) {
                try {
                    run("pg_ctl", "-D", data().toString(), "-m", "immediate", "-w", "stop");
                } catch (RuntimeException e) {
                    System.err.println("pg-testkit: could not stop the cluster in " + dir + ": " + e.getMessage());
                }
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                System.err.println("pg-testkit: could not delete " + dir + ": " + e);
            }
        }

        private void run(String program, String... args) {
            List<String> command = new ArrayList<>();
            if (asRoot) {
                command.addAll(List.of("runuser", "-u", ADMIN, "--"));
            }
            command.add(binDir.resolve(program).toString());
            command.addAll(List.of(args));
            Path output = dir.resolve(program + ".out");
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
                if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + " did not finish within "
                            + COMMAND_TIMEOUT_SECONDS + " s" + tail(output));
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + ")"
                            + tail(output) + tail(dir.resolve("server.log")));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + command, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + command, e);
            }
        }

        private static String tail(Path file) {
            try {
                List<String> lines = Files.readAllLines(file);
                return "\n--- " + file + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            } catch (IOException e) {
                return "";                  // no such output (the command did not get that far): nothing to show
            }
        }

        private static int freePort() {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("no free port on 127.0.0.1", e);
            }
        }
    }
}
