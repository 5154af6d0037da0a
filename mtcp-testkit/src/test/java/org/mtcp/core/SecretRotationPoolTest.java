package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.tls.FileWatcher;
import org.mtcp.testkit.Bytes;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TransformApp;

/**
 * The pool secret rotated under a running pool and a connected client, by rewriting the pool
 * file that a {@link FileWatcher} feeds to every server ({@link MtcpServer#updatePool}): phase 1
 * (every server accepts NEW), phase 2 (servers sign with NEW and accept OLD, one after the other),
 * phase 3 (OLD removed). The client migrates back and forth between every step and its stream
 * arrives whole, exactly once.
 */
@Timeout(60)
class SecretRotationPoolTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @Test
    void aRotationThroughThePoolFileLosesNoConnectionAndNoByte() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2, FaultTest.FAST);
                FileWatcher watcher = FileWatcher.start("rotation-test-watch", Duration.ofMillis(50))) {
            pool.serve(new TransformApp(1024));
            String oldHex = HexFormat.of().formatHex(pool.secret());
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            String newHex = HexFormat.of().formatHex(fresh);
            String until = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS).toString();

            // One pool file per server, each watched: the servers reload one after the other.
            Path f1 = watched(pool, watcher, "s1", "secret hex:" + oldHex);
            Path f2 = watched(pool, watcher, "s2", "secret hex:" + oldHex);

            try (MtcpSocket s = MtcpSocket.connect(List.of(pool.serviceAddress("s1")), FaultTest.CLIENT)) {
                byte[] input = FaultTest.random(40_000, 7);
                int sent = 0;
                sent = send(s, input, sent);

                // phase 1: every server accepts NEW, still signs with OLD
                String phase1 = "secret hex:" + oldHex + "\nprevious-secret hex:" + newHex + " until " + until;
                reload(pool, "s1", f1, phase1);
                reload(pool, "s2", f2, phase1);
                sent = migrate(s, "s2", input, sent);
                sent = migrate(s, "s1", input, sent);

                // phase 2, s1 first (the client is held by s1: it gets a NEW certificate in a CERT)
                String phase2 = "secret hex:" + newHex + "\nprevious-secret hex:" + oldHex + " until " + until;
                reload(pool, "s1", f1, phase2);
                sent = migrate(s, "s2", input, sent);   // s2 signs OLD, accepts NEW
                sent = migrate(s, "s1", input, sent);   // s1 signs NEW, accepts OLD
                reload(pool, "s2", f2, phase2);
                sent = migrate(s, "s2", input, sent);
                sent = migrate(s, "s1", input, sent);   // the certificate now is s1's, signed with NEW

                // phase 3: OLD is gone everywhere
                String phase3 = "secret hex:" + newHex;
                reload(pool, "s1", f1, phase3);
                reload(pool, "s2", f2, phase3);
                sent = migrate(s, "s2", input, sent);
                sent = migrate(s, "s1", input, sent);
                s.getOutputStream().write(input, sent, input.length - sent);
                s.shutdownOutput();
                Bytes.assertSameBytes(s.getInputStream().readAllBytes(), TransformApp.expected(input));
            }
            // and a new client after the rotation
            try (MtcpSocket s = MtcpSocket.connect(List.of(pool.serviceAddress("s2")), FaultTest.CLIENT)) {
                byte[] input = FaultTest.random(3_000, 8);
                s.getOutputStream().write(input);
                assertThat(s.migrate("s1").succeeded()).isTrue();
                s.shutdownOutput();
                Bytes.assertSameBytes(s.getInputStream().readAllBytes(), TransformApp.expected(input));
            }
            assertThat(pool.appFailures()).isEmpty();
        }
    }

    @Test
    void aRotationWhileClientsMigrateAllTheTimeFailsNoMigration() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2, FaultTest.FAST);
                FileWatcher watcher = FileWatcher.start("rotation-test-watch", Duration.ofMillis(50))) {
            pool.serve(new TransformApp(1024));
            String oldHex = HexFormat.of().formatHex(pool.secret());
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            String newHex = HexFormat.of().formatHex(fresh);
            String until = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS).toString();
            Path f1 = watched(pool, watcher, "s1", "secret hex:" + oldHex);
            Path f2 = watched(pool, watcher, "s2", "secret hex:" + oldHex);

            int clients = 4;
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicLongArray moves = new java.util.concurrent.atomic.AtomicLongArray(clients);
            List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Thread> threads = new java.util.ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                threads.add(Thread.ofVirtual().name("rotating-client-" + c).start(() -> {
                    String at = id % 2 == 0 ? "s1" : "s2";
                    byte[] input = FaultTest.random(30_000, 100 + id);
                    try (MtcpSocket s = MtcpSocket.connect(List.of(pool.serviceAddress(at)), FaultTest.CLIENT)) {
                        int sent = 0;
                        while (!stop.get()) {
                            int n = Math.min(300, input.length - sent);
                            s.getOutputStream().write(input, sent, n);
                            sent += n;
                            at = at.equals("s1") ? "s2" : "s1";
                            MigrationEvent e = s.migrate(at);
                            if (!e.succeeded()) {
                                failures.add("client " + id + " to " + at + ": " + e.error());
                                return;
                            }
                            moves.incrementAndGet(id);
                        }
                        s.getOutputStream().write(input, sent, input.length - sent);
                        s.shutdownOutput();
                        byte[] got = s.getInputStream().readAllBytes();
                        if (!java.util.Arrays.equals(got, TransformApp.expected(input))) {
                            failures.add("client " + id + ": the reply differs from the transformed input");
                        }
                    } catch (Exception e) {
                        failures.add("client " + id + ": " + e);
                    }
                }));
            }
            progress(moves, failures);
            String phase1 = "secret hex:" + oldHex + "\nprevious-secret hex:" + newHex + " until " + until;
            String phase2 = "secret hex:" + newHex + "\nprevious-secret hex:" + oldHex + " until " + until;
            reload(pool, "s1", f1, phase1);
            progress(moves, failures);
            reload(pool, "s2", f2, phase1);
            progress(moves, failures);
            reload(pool, "s1", f1, phase2);
            progress(moves, failures);
            reload(pool, "s2", f2, phase2);
            // every client migrates once more after phase 2 is everywhere: its certificate is then
            // signed with NEW (in operations, phase 3 comes hours later)
            progress(moves, failures);
            reload(pool, "s1", f1, "secret hex:" + newHex);
            reload(pool, "s2", f2, "secret hex:" + newHex);
            progress(moves, failures);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failures).isEmpty();
            assertThat(pool.appFailures()).isEmpty();
        }
    }

    /** Waits until every client migrated twice more (or one failed). */
    private static void progress(java.util.concurrent.atomic.AtomicLongArray moves, List<String> failures) {
        long[] from = new long[moves.length()];
        for (int i = 0; i < from.length; i++) {
            from[i] = moves.get(i);
        }
        await("every client migrating").atMost(WAIT).until(() -> {
            if (!failures.isEmpty()) {
                return true;
            }
            for (int i = 0; i < from.length; i++) {
                if (moves.get(i) < from[i] + 2) {
                    return false;
                }
            }
            return true;
        });
        assertThat(failures).isEmpty();
    }

    /** Writes {@code name}'s pool file, gives it to the server, and has {@code watcher} feed it every change. */
    private Path watched(LoopbackPool pool, FileWatcher watcher, String name, String secrets) throws Exception {
        Path f = write(name + ".conf", pool, secrets);
        MtcpServer server = pool.server(name);
        server.updatePool(PoolConfig.load(f));
        watcher.watch(List.of(f), () -> {
            try {
                server.updatePool(PoolConfig.load(f));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);   // logged by the watcher; the pool stays
            }
        });
        return f;
    }

    private Path write(String file, LoopbackPool pool, String secrets) throws Exception {
        StringBuilder b = new StringBuilder(secrets).append('\n');
        for (PoolMember m : pool.pool().members()) {
            b.append("server ").append(m.name()).append(' ').append(ValueSyntax.format(m.service())).append(' ')
                    .append(ValueSyntax.format(m.control())).append('\n');
        }
        Path p = dir.resolve(file);
        Files.writeString(p, b);
        return p;
    }

    /** Rewrites {@code name}'s pool file and waits until the watcher gave that server the new pool. */
    private void reload(LoopbackPool pool, String name, Path file, String secrets) throws Exception {
        write(file.getFileName().toString(), pool, secrets);
        PoolConfig expected = PoolConfig.load(file);
        await(name + " reloading its pool file").atMost(WAIT).until(() -> pool.server(name).pool().equals(expected));
    }

    private static int send(MtcpSocket s, byte[] input, int from) throws Exception {
        int n = Math.min(2_000, input.length - from);
        s.getOutputStream().write(input, from, n);
        return from + n;
    }

    private static int migrate(MtcpSocket s, String to, byte[] input, int from) throws Exception {
        MigrationEvent e = s.migrate(to);
        assertThat(e.succeeded()).as("to %s: %s", to, e.error()).isTrue();
        assertThat(s.currentServer()).isEqualTo(to);
        return send(s, input, from);
    }
}
