package org.mtcp.testkit.pg;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * A real PostgreSQL primary with a real streaming standby, both throwaway clusters of Debian's
 * PostgreSQL 15 started by the test kit (the standby made with {@code pg_basebackup -R}), for
 * tests of a primary's failover: kill the primary ({@code pg_ctl stop -m immediate}, a crash),
 * promote the standby ({@code pg_ctl promote}), bring the old primary back as it was (a second
 * primary on a forked timeline, what fencing must withstand) or rewind it into the new primary's
 * standby ({@code pg_rewind}, what Patroni does).
 *
 * <p>With {@link Replication#SYNCHRONOUS} the primary lists the standby in
 * {@code synchronous_standby_names}, so with {@code synchronous_commit = on} (the default) a
 * COMMIT returns only once the standby has its WAL on disk. A promoted standby is started without
 * it: a new primary with no standby of its own must not wait for one (Patroni does the same);
 * {@link #rejoinOldPrimaryAsStandby} restores it.
 *
 * <p>Node names are {@code a} (the first primary) and {@code b}; they are also the
 * {@code application_name}s the standbys give the primary. Not thread-safe: one test drives it.
 */
public final class PrimaryAndStandby implements AutoCloseable {

    /** How the primary waits for the standby at COMMIT. */
    public enum Replication { SYNCHRONOUS, ASYNCHRONOUS }

    /** One of the two clusters. */
    public static final class Node {
        private final String name;
        private final LocalCluster cluster;

        private Node(String name, LocalCluster cluster) {
            this.name = name;
            this.cluster = cluster;
        }

        public String name() {
            return name;
        }

        public int port() {
            return cluster.port();
        }

        /** A JDBC URL of {@code database} on this node alone, as the superuser {@code postgres} (trust). */
        public String url(String database) {
            return cluster.adminUrl(database);
        }

        public Connection connect(String database) throws SQLException {
            return DriverManager.getConnection(url(database));
        }

        public boolean running() {
            return cluster.running();
        }

        /** The end of its server log, for failure messages. */
        public String logTail() {
            return cluster.logTail();
        }

        @Override
        public String toString() {
            return name + "@127.0.0.1:" + port();
        }
    }

    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(60);

    private final Replication replication;
    private final Node a;
    private final Node b;
    private Node primary;
    private Node standby;

    private PrimaryAndStandby(Replication replication, Node a, Node b) {
        this.replication = replication;
        this.a = a;
        this.b = b;
        this.primary = a;
        this.standby = b;
    }

    /** Whether the binaries this needs are installed ({@value PostgresServers#DEBIAN_15_BIN}). */
    public static boolean available() {
        Path bin = Path.of(PostgresServers.DEBIAN_15_BIN);
        return Files.isExecutable(bin.resolve("postgres")) && Files.isExecutable(bin.resolve("pg_basebackup"))
                && Files.isExecutable(bin.resolve("pg_rewind"));
    }

    /**
     * Starts the primary, copies it into the standby and starts that, then waits until the
     * standby streams (and, when synchronous, until the primary counts it as its synchronous one).
     */
    public static PrimaryAndStandby start(Replication replication) {
        Path bin = Path.of(PostgresServers.DEBIAN_15_BIN);
        Node a = new Node("a", LocalCluster.prepare(bin));
        Node b = new Node("b", LocalCluster.prepare(bin));
        PrimaryAndStandby pair = new PrimaryAndStandby(replication, a, b);
        a.cluster.initdb(true);   // checksums: pg_rewind needs them
        // pg_rewind reads the old primary's WAL back to the last checkpoint both timelines share:
        // keep it, through the checkpoints of a restart and of pg_rewind's own crash recovery.
        a.cluster.configure("wal_keep_size = '256MB'");
        a.cluster.start(pair.primaryOptions(b));
        b.cluster.baseBackupOf(a.port(), b.name);
        b.cluster.start(STANDBY_OPTIONS);
        pair.awaitStreaming();
        return pair;
    }

    /** A standby answers read-only queries (pg_rewind's other need, full pages in the WAL, is the default). */
    private static final String STANDBY_OPTIONS = "-c hot_standby=on";

    private String primaryOptions(Node standbyNode) {
        return replication == Replication.SYNCHRONOUS ? "-c synchronous_standby_names=" + standbyNode.name : "";
    }

    public Node primary() {
        return primary;
    }

    public Node standby() {
        return standby;
    }

    public Replication replication() {
        return replication;
    }

    /**
     * The URL a client of the pair uses: both hosts, the driver picks the one that accepts writes
     * ({@code targetServerType=primary}), whichever node that is now.
     */
    public String multiHostUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + a.port() + ",127.0.0.1:" + b.port() + "/" + database
                + "?user=" + LocalCluster.ADMIN + "&targetServerType=primary";
    }

    /**
     * Fails unless extension {@code name}, as found on the class path, is the one installed in
     * the clusters' {@code SHAREDIR/extension}: Debian's installation, which PGXS writes
     * ({@code make -C pg-backend-ext install PG_CONFIG=...}) and the test kit does not.
     */
    public void requireExtensionInstalled(String name) throws SQLException {
        ExtensionBundle bundle = ExtensionBundle.find(name);
        Path dir;
        try (Connection c = primary.connect("postgres"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT setting FROM pg_catalog.pg_config WHERE name = 'SHAREDIR'")) {
            rs.next();
            dir = Path.of(rs.getString(1), "extension");
        }
        java.util.List<String> differing;
        try {
            differing = bundle.filesDifferingFrom(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot compare " + bundle + " with " + dir, e);
        }
        if (!differing.isEmpty()) {
            throw new IllegalStateException(bundle + " is not installed as built into " + dir + " (missing or different: "
                    + differing + "): make -C pg-backend-ext install PG_CONFIG=" + PostgresServers.DEBIAN_15_BIN
                    + "/pg_config (the build does this in pg-backend-ext under the postgresql-15 profile)");
        }
    }

    /** {@code CREATE DATABASE} on the primary; returns once the standby has replayed it. */
    public void createDatabase(String name) throws SQLException {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection c = primary.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        awaitStandbyReplayed();
    }

    /** Waits until the standby has replayed everything the primary has written so far. */
    public void awaitStandbyReplayed() throws SQLException {
        String target;
        try (Connection c = primary.connect("postgres"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            target = rs.getString(1);
        }
        long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
        try (Connection c = standby.connect("postgres");
                var ps = c.prepareStatement("SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn")) {
            ps.setString(1, target);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("standby " + standby + " did not replay up to " + target + " within "
                            + CATCH_UP_TIMEOUT + standby.logTail());
                }
                pause();
            }
        }
    }

    /** Crashes the primary: {@code pg_ctl stop -m immediate} (no shutdown checkpoint, as a power cut leaves it). */
    public void killPrimary() {
        kill(primary);
    }

    /** Crashes {@code node} ({@code pg_ctl stop -m immediate}), e.g. an old primary that was started again. */
    public void kill(Node node) {
        node.cluster.stop("immediate");
    }

    /**
     * Freezes {@code node} (SIGSTOP of its postmaster and of every backend): a host that vanishes
     * without a reset. Its kernel still accepts connections and acknowledges bytes; nothing
     * answers. {@link #thaw} before stopping it.
     */
    public void freeze(Node node) {
        node.cluster.freeze(true);
    }

    /** Undoes {@link #freeze} (SIGCONT). */
    public void thaw(Node node) {
        node.cluster.freeze(false);
    }

    /** Stops the standby cleanly; the primary goes on alone (with synchronous replication its COMMITs then wait). */
    public void stopStandby() {
        standby.cluster.stop("fast");
    }

    /** Starts the stopped standby again; it resumes streaming from the primary if that one runs. */
    public void startStandby() {
        standby.cluster.start(STANDBY_OPTIONS);
    }

    /**
     * Promotes the standby (waiting until it accepts writes); it is the primary from now on, and
     * the old primary (killed, or still running: a split brain the test asked for) the
     * "standby" of this object, which {@link #startOldPrimary} or
     * {@link #rejoinOldPrimaryAsStandby} bring back.
     */
    public void promoteStandby() {
        standby.cluster.promote();
        Node promoted = standby;
        standby = primary;
        primary = promoted;
    }

    /**
     * Starts the old primary (after {@link #promoteStandby}) as it was: a second primary on its
     * own timeline, accepting writes, as a primary that was only partitioned off would. Fencing
     * tests use it; a deployment must never let it take clients.
     */
    public void startOldPrimary() {
        requireOldPrimaryStopped();
        standby.cluster.start(primaryOptions(primary));
    }

    /**
     * As {@link #startOldPrimary}, but without a synchronous standby: the one it names is the new
     * primary now and never streams from it, so its COMMITs would wait forever; started this way
     * they return at once, as an operator who "fixed" a hanging old primary would leave it. The
     * worst case for fencing: a second primary, first in the clients' multi-host URL, accepting
     * writes.
     */
    public void startOldPrimaryAcceptingWrites() {
        requireOldPrimaryStopped();
        standby.cluster.start("-c synchronous_standby_names=''");
    }

    /**
     * What a deployment does with an old primary (Patroni, {@code pg_rewind}): rewinds it onto the
     * new primary's timeline, dropping the transactions the standby never received, and starts it
     * as the new primary's standby; with synchronous replication the new primary then waits for
     * it again.
     */
    public void rejoinOldPrimaryAsStandby() throws SQLException {
        requireOldPrimaryStopped();
        Node old = standby;
        try (Connection c = primary.connect("postgres"); Statement s = c.createStatement()) {
            // pg_rewind reads the source's timeline from its control file, which a promotion updates
            // only at its next checkpoint; without one it finds "the same timeline" and rewinds nothing.
            s.execute("CHECKPOINT");
        }
        old.cluster.rewindFrom(primary.port(), old.name);
        old.cluster.start(STANDBY_OPTIONS);
        if (replication == Replication.SYNCHRONOUS) {
            try (Connection c = primary.connect("postgres"); Statement s = c.createStatement()) {
                s.execute("ALTER SYSTEM SET synchronous_standby_names = '" + old.name + "'");
                s.execute("SELECT pg_reload_conf()");
            }
        }
        awaitStreaming();
    }

    private void requireOldPrimaryStopped() {
        if (standby.running()) {
            throw new IllegalStateException(standby + " is running: promote the standby after killing the primary first");
        }
    }

    /** Waits until the primary sees the standby streaming (and as synchronous when it should be). */
    private void awaitStreaming() {
        long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
        String wanted = replication == Replication.SYNCHRONOUS ? "sync" : "async";
        while (true) {
            try (Connection c = primary.connect("postgres");
                    var ps = c.prepareStatement("SELECT sync_state FROM pg_stat_replication"
                            + " WHERE application_name = ? AND state = 'streaming'")) {
                ps.setString(1, standby.name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getString(1).equals(wanted)) {
                        return;
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot ask " + primary + " about its standby: " + e.getMessage()
                        + primary.logTail(), e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(standby + " is not streaming (" + wanted + ") from " + primary + " within "
                        + CATCH_UP_TIMEOUT + standby.logTail() + primary.logTail());
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20); // polling the server's own view: no notification exists for "replayed up to"
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the standby", e);
        }
    }

    /** Stops both (immediately) and deletes their directories. */
    @Override
    public void close() {
        a.cluster.stopAndDelete();
        b.cluster.stopAndDelete();
    }
}
