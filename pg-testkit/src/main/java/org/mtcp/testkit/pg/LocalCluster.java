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
 * One data directory of an installed PostgreSQL (Debian's {@code /usr/lib/postgresql/15/bin}),
 * driven with the installation's own programs ({@code initdb}, {@code pg_ctl},
 * {@code pg_basebackup}). As root every program runs as user {@code postgres} ({@code runuser}):
 * initdb refuses root. Listens on 127.0.0.1 only, its Unix socket in its private directory.
 * Deleted (after an immediate stop) when the JVM exits.
 */
final class LocalCluster {

    static final String ADMIN = "postgres";
    private static final long COMMAND_TIMEOUT_SECONDS = 120;

    /** Settings of every cluster: throwaway data, room for the race tests' connections. */
    private static final String COMMON_OPTIONS = "-c listen_addresses=127.0.0.1 -c max_connections=300"
            + " -c fsync=off -c shared_buffers=64MB";

    private final Path binDir;
    private final Path dir;
    private final boolean asRoot;
    private final int port;

    private LocalCluster(Path binDir, Path dir, boolean asRoot, int port) {
        this.binDir = binDir;
        this.dir = dir;
        this.asRoot = asRoot;
        this.port = port;
    }

    /** A new, empty directory for a cluster on a free port; nothing runs yet. */
    static LocalCluster prepare(Path binDir) {
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
        LocalCluster cluster = new LocalCluster(binDir, dir, asRoot, freePort());
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::stopAndDelete, "stop PostgreSQL cluster " + dir));
        return cluster;
    }

    Path binDir() {
        return binDir;
    }

    int port() {
        return port;
    }

    Path data() {
        return dir.resolve("data");
    }

    /** The administrative URL of {@code database} on this cluster (trust authentication). */
    String adminUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + ADMIN;
    }

    /**
     * {@code initdb}, trust authentication (replication connections from 127.0.0.1 included);
     * {@code checksums} for a cluster pg_rewind may have to rewind (it needs them, or
     * {@code wal_log_hints} in the configuration file: its own crash recovery of the target does
     * not see command-line settings).
     */
    void initdb(boolean checksums) {
        List<String> args = new ArrayList<>(List.of("-D", data().toString(), "-U", ADMIN, "-A", "trust", "-E", "UTF8", "--no-sync"));
        if (checksums) {
            args.add("--data-checksums");
        }
        run("initdb", args.toArray(String[]::new));
    }

    /**
     * Appends settings to {@code postgresql.auto.conf}: unlike command-line options they are seen
     * by every start, pg_rewind's own single-user crash recovery included, and a base backup
     * copies them.
     */
    void configure(String... settings) {
        try {
            Files.writeString(data().resolve("postgresql.auto.conf"), String.join("\n", settings) + "\n",
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot configure the cluster in " + dir, e);
        }
    }

    /**
     * A copy of the running cluster at {@code primaryPort} made with {@code pg_basebackup -R}: a
     * streaming standby that names itself {@code applicationName} to the primary (what
     * {@code synchronous_standby_names} lists).
     */
    void baseBackupOf(int primaryPort, String applicationName) {
        run("pg_basebackup", "-D", data().toString(), "-X", "stream", "-R", "--no-sync",
                "-d", "host=127.0.0.1 port=" + primaryPort + " user=" + ADMIN + " application_name=" + applicationName);
    }

    /**
     * {@code pg_rewind} of this stopped cluster (a primary that was replaced) onto the running
     * cluster at {@code sourcePort}, with {@code -R}: it becomes that one's standby, named
     * {@code applicationName}, when started.
     */
    void rewindFrom(int sourcePort, String applicationName) {
        run("pg_rewind", "-D", data().toString(), "-R", "--no-sync", "--source-server",
                "host=127.0.0.1 port=" + sourcePort + " user=" + ADMIN + " dbname=postgres application_name=" + applicationName);
    }

    /** {@code pg_ctl start}, waiting until it accepts connections (a standby: until it is consistent). */
    void start(String extraOptions) {
        run("pg_ctl", "-D", data().toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "60", "start",
                "-o", "-p " + port + " -k " + dir + " " + COMMON_OPTIONS + " " + extraOptions);
    }

    /** {@code pg_ctl stop -m mode}: {@code immediate} is a crash (no shutdown checkpoint), {@code fast} a clean stop. */
    void stop(String mode) {
        run("pg_ctl", "-D", data().toString(), "-m", mode, "-w", "stop");
    }

    /** {@code pg_ctl promote}, waiting until the standby accepts writes. */
    void promote() {
        run("pg_ctl", "-D", data().toString(), "-w", "-t", "60", "promote");
    }

    /**
     * Sends {@code SIGSTOP} to the postmaster, then to every process it started (stopped first, it
     * forks no new one in between); {@code stop == false}: {@code SIGCONT} to those, then to it.
     */
    void freeze(boolean stop) {
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(data().resolve("postmaster.pid")).getFirst().trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the postmaster's pid of " + dir, e);
        }
        if (stop) {
            kill("STOP", List.of(pid), true);
        }
        // a child may have exited meanwhile (its client gone): nothing to signal, not a failure
        kill(stop ? "STOP" : "CONT", ProcessHandle.of(pid).map(p -> p.descendants().map(ProcessHandle::pid).toList())
                .orElse(List.of()), false);
        if (!stop) {
            kill("CONT", List.of(pid), true);
        }
    }

    private static void kill(String signal, List<Long> pids, boolean mustSucceed) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(p -> command.add(Long.toString(p)));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0 && mustSucceed) {
                throw new IllegalStateException(command + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    boolean running() {
        return Files.exists(data().resolve("postmaster.pid"));
    }

    /** The shutdown hook: nothing may escape it, so failures are printed, not thrown. */
    void stopAndDelete() {
        if (!Files.exists(dir)) {
            return;             // deleted already (closed before the JVM's exit)
        }
        if (running()) {
            try {
                stop("immediate");
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

    /** The end of the server's log, for failure messages. */
    String logTail() {
        return tail(dir.resolve("server.log"));
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
                        + tail(output) + logTail());
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
