package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.testkit.Bytes;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.ServerApp;
import org.mtcp.testkit.TcpProxy;
import org.mtcp.testkit.TransformApp;

/**
 * Migration to a replica (docs/protocol.md, section 10): a planned migration to a server that keeps
 * the connection's latest replica resumes from it without a FETCH from the live holder, which is
 * fenced afterwards; an export in flight at the holder during the migration fences the holder;
 * the old holder's late output never reaches the client; lazy transfer still fetches.
 */
@Timeout(60)
class ReplicaMigrationTest {

    static final ServerOptions REPLICATED = ReplicatedTransferTest.REPLICATED;
    static final ClientOptions CLIENT = ReplicatedTransferTest.CLIENT;
    static final int CHUNK = 1000;

    /**
     * Per chunk of {@link #CHUNK} bytes: reads it, writes it transformed (as {@link TransformApp}),
     * exports. So once the client has read the answer to chunk k + 1, the export after chunk k has
     * returned: its state is on the replica.
     */
    static final ServerApp CHUNKED = c -> {
        byte[] snap = c.importState();
        int acc = snap.length == 0 ? 0 : ByteBuffer.wrap(snap).getInt(8);
        long position = snap.length == 0 ? 0 : ByteBuffer.wrap(snap).getLong(0);
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        byte[] buf = new byte[CHUNK];
        while (true) {
            int n = in.readNBytes(buf, 0, CHUNK);
            if (n == 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                buf[i] = (byte) (b ^ acc);
                acc = acc * 31 + b;
            }
            out.write(buf, 0, n);
            position += n;
            c.exportState(ByteBuffer.allocate(12).putLong(position).putInt(acc).array());
        }
        c.close();
    };

    static long sum(LoopbackPool pool, java.util.function.ToLongFunction<ServerStats> f) {
        return pool.servers().stream().mapToLong(s -> f.applyAsLong(s.stats())).sum();
    }

    /** Sends chunk {@code k} of {@code input} and reads its answer into {@code got}. */
    static void exchange(MtcpSocket s, byte[] input, int k, ByteArrayOutputStream got) throws IOException {
        s.getOutputStream().write(input, k * CHUNK, CHUNK);
        got.write(s.getInputStream().readNBytes(CHUNK));
    }

    @ParameterizedTest(name = "pool of {0}")
    @ValueSource(ints = {2, 3})
    void plannedMigrationsToTheReplicaFetchNothingAndKeepEveryByte(int servers) throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(servers, REPLICATED)) {
            pool.serve(CHUNKED);
            int migrations = 6;
            byte[] input = ReplicatedTransferTest.random(CHUNK * (2 * migrations + 3), servers);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), CLIENT)) {
                int k = 0;
                for (int m = 0; m < migrations; m++) {
                    // Two exchanges: the second answer proves the first one's export reached the replica.
                    exchange(s, input, k++, got);
                    exchange(s, input, k++, got);
                    String from = s.currentServer();
                    String replica = ReplicatedTransferTest.replicaOf(s, pool);
                    long before = pool.server(replica).stats().migratedInFromReplica();
                    // Explicit target on even rounds; on odd ones the client picks: the replica first.
                    MigrationEvent e = m % 2 == 0 ? s.migrate(replica) : s.migrate();
                    assertThat(e.succeeded()).as("%s", e).isTrue();
                    assertThat(e.to()).isEqualTo(replica);
                    assertThat(pool.server(replica).stats().migratedInFromReplica()).isEqualTo(before + 1);
                    // The old holder is fenced in the background (the new epoch's STORE or FORGET).
                    await("the old holder fenced").atMost(Duration.ofSeconds(10))
                            .until(() -> pool.server(from).stats().open() == 0);
                }
                while (k * CHUNK < input.length) {
                    exchange(s, input, k++, got);
                }
                s.shutdownOutput();
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            Bytes.assertSameBytes(got.toByteArray(), TransformApp.expected(input));
            assertThat(sum(pool, ServerStats::statesHandedOut)).as("FETCHes answered").isZero();
            assertThat(sum(pool, ServerStats::migratedInFromReplica)).isEqualTo(migrations);
            assertThat(sum(pool, ServerStats::takenOverFromReplica)).isZero();
            assertThat(pool.appFailures()).isEmpty();
            // every old holder's application heard it was fenced
            await("fenced applications").atMost(Duration.ofSeconds(10)).until(() -> pool.emigrated() == migrations);
        }
    }

    @Test
    void migrationsBackAndForthMidStreamKeepEveryByteInOrder() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(3, REPLICATED)) {
            pool.serve(new TransformApp(16 * 1024));
            byte[] input = ReplicatedTransferTest.random(600_000, 7);
            AtomicReference<Throwable> writeFailure = new AtomicReference<>();
            int migrations = 8;
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), CLIENT.withReceiveBufferSize(32 * 1024))) {
                Thread w = ReplicatedTransferTest.writer(s, input, writeFailure);
                InputStream in = s.getInputStream();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                for (int m = 0; m < migrations; m++) {
                    got.write(in.readNBytes(input.length / (migrations + 1)));
                    MigrationEvent e = s.migrate(ReplicatedTransferTest.replicaOf(s, pool));
                    assertThat(e.succeeded()).as("%s", e).isTrue();
                }
                got.write(in.readAllBytes());
                w.join(Duration.ofSeconds(30));
                assertThat(writeFailure.get()).isNull();
                Bytes.assertSameBytes(got.toByteArray(), TransformApp.expected(input));
            }
            // Each migration resumed from the replica or, when the new holder's first state had not
            // reached its replica yet (it goes out after the WELCOME), fetched from the holder.
            assertThat(sum(pool, ServerStats::migratedIn)).isEqualTo(migrations);
            assertThat(sum(pool, ServerStats::migratedInFromReplica) + sum(pool, ServerStats::statesHandedOut))
                    .isEqualTo(migrations);
            // The first one always finds the replica: a new connection's state is replicated before its WELCOME.
            assertThat(sum(pool, ServerStats::migratedInFromReplica)).isPositive();
        }
    }

    /**
     * The holder's export is under way (its STORE to the replica held up on the way) when the
     * client migrates to that replica: either the store arrived first (the migration resumes from
     * it) or the replica refuses it as moved and the export fences the holder. Both keep the
     * stream exact.
     */
    @Test
    void anExportRacingTheMigrationFencesTheHolderAndKeepsTheStreamExact() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2, REPLICATED);
                TcpProxy s2Control = TcpProxy.start(pool.server("s2").boundMember().control())) {
            pool.routeControlVia("s2", s2Control.address());
            BlockingQueue<MtcpServerConnection> accepted = new LinkedBlockingQueue<>();
            pool.serve(accepted::add);
            try (MtcpSocket s = MtcpSocket.connect(List.of(pool.serviceAddress("s1")), CLIENT)) {
                MtcpServerConnection c1 = accepted.poll(10, TimeUnit.SECONDS);
                s.getOutputStream().write(Bytes.ascii("abcd"));
                assertThat(Bytes.readAscii(c1.getInputStream(), 2)).isEqualTo("ab");
                c1.getOutputStream().write(Bytes.ascii("AB"));
                c1.exportState(Bytes.ascii("one")); // on s2 when this returns
                assertThat(Bytes.readAscii(s.getInputStream(), 2)).isEqualTo("AB");
                assertThat(Bytes.readAscii(c1.getInputStream(), 2)).isEqualTo("cd");
                c1.getOutputStream().write(Bytes.ascii("CD"));
                assertThat(Bytes.readAscii(s.getInputStream(), 2)).isEqualTo("CD");

                s2Control.setDelay(Duration.ofMillis(300), Duration.ZERO); // the next STORE is held up
                CompletableFuture<Throwable> export = CompletableFuture.supplyAsync(() -> {
                    try {
                        c1.exportState(Bytes.ascii("two"));
                        return null;
                    } catch (IOException e) {
                        return e;
                    }
                });
                MigrationEvent e = s.migrate("s2");
                assertThat(e.succeeded()).as("%s", e).isTrue();
                assertThat(pool.server("s2").stats().migratedInFromReplica()).isEqualTo(1);
                MtcpServerConnection c2 = accepted.poll(10, TimeUnit.SECONDS);
                String resumedFrom = new String(c2.importState());
                assertThat(resumedFrom).isIn("one", "two");
                Throwable exportOutcome = export.get(10, TimeUnit.SECONDS);
                if (resumedFrom.equals("one")) {
                    // the replica refused the late STORE as moved: the holder's export failed, fenced
                    assertThat(exportOutcome).isInstanceOf(MigratedException.class);
                }
                await("s1 fenced").atMost(Duration.ofSeconds(10)).until(() -> pool.server("s1").stats().open() == 0);
                assertThatThrownBy(() -> c1.getOutputStream().write(1)).isInstanceOf(MigratedException.class);

                // The new holder replays from its snapshot: the client gets nothing twice, nothing lost.
                String replay = resumedFrom.equals("one") ? "cd" : "";
                assertThat(Bytes.readAscii(c2.getInputStream(), replay.length())).isEqualTo(replay);
                c2.getOutputStream().write(Bytes.ascii(replay.toUpperCase()));
                s.getOutputStream().write(Bytes.ascii("ef"));
                assertThat(Bytes.readAscii(c2.getInputStream(), 2)).isEqualTo("ef");
                c2.getOutputStream().write(Bytes.ascii("EF"));
                assertThat(Bytes.readAscii(s.getInputStream(), 2)).isEqualTo("EF");
                assertThat(pool.server("s1").stats().statesHandedOut()).isZero();
            }
        }
    }

    /**
     * The old holder cannot be told (its control port is cut) and its application goes on writing
     * after the migration: the client, on the new holder's link, never reads a byte of it; the old
     * holder's next export reaches the replica, which knows the new epoch, and fences it.
     */
    @Test
    void theOldHoldersLateOutputIsRefusedAndItsNextExportFencesIt() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2, REPLICATED);
                TcpProxy s1Control = TcpProxy.start(pool.server("s1").boundMember().control())) {
            pool.routeControlVia("s1", s1Control.address());
            BlockingQueue<MtcpServerConnection> accepted = new LinkedBlockingQueue<>();
            pool.serve(accepted::add);
            try (MtcpSocket s = MtcpSocket.connect(List.of(pool.serviceAddress("s1")), CLIENT)) {
                MtcpServerConnection c1 = accepted.poll(10, TimeUnit.SECONDS);
                s.getOutputStream().write(Bytes.ascii("ab"));
                assertThat(Bytes.readAscii(c1.getInputStream(), 2)).isEqualTo("ab");
                c1.getOutputStream().write(Bytes.ascii("AB"));
                c1.exportState(Bytes.ascii("one"));
                assertThat(Bytes.readAscii(s.getInputStream(), 2)).isEqualTo("AB");

                s1Control.setRefuse(true); // no FORGET and no STORE from s2 reaches s1
                s1Control.resetAll();
                MigrationEvent e = s.migrate("s2");
                assertThat(e.succeeded()).as("%s", e).isTrue();
                assertThat(pool.server("s2").stats().migratedInFromReplica()).isEqualTo(1);
                MtcpServerConnection c2 = accepted.poll(10, TimeUnit.SECONDS);
                assertThat(c2.epoch()).isEqualTo(1);

                c1.getOutputStream().write(Bytes.ascii("LATE")); // s1 does not know yet
                assertThatThrownBy(() -> c1.exportState(Bytes.ascii("stale"))).isInstanceOf(MigratedException.class);
                assertThat(pool.server("s1").stats().open()).isZero();

                c2.getOutputStream().write(Bytes.ascii("NEW"));
                c2.close();
                assertThat(new String(s.getInputStream().readAllBytes())).isEqualTo("NEW");
            }
        }
    }

    /**
     * The holder's pushes skip its first replica for a while (its control port refuses), so the
     * client frees bytes that replica's state does not cover: migrating there, the target sees it
     * in the HELLO's {@code acked} and fetches from the holder instead of resuming from it.
     */
    @Test
    void aReplicaThatMissedPushesIsNotResumedFromTheTargetFetchesInstead() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(3, REPLICATED)) {
            pool.serve(CHUNKED);
            byte[] input = ReplicatedTransferTest.random(CHUNK * 8, 11);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (MtcpSocket s = MtcpSocket.connect(List.of(pool.serviceAddress("s1")), CLIENT)) {
                String replica = ReplicatedTransferTest.replicaOf(s, pool);
                exchange(s, input, 0, got);
                exchange(s, input, 1, got);
                try (TcpProxy cut = TcpProxy.start(pool.server(replica).boundMember().control())) {
                    cut.setRefuse(true);
                    pool.routeControlVia(replica, cut.address()); // s1's next pushes go to the other server
                    // After the third answer the client has heard the ACK of the push after the first one.
                    exchange(s, input, 2, got);
                    exchange(s, input, 3, got);
                    exchange(s, input, 4, got);
                    MigrationEvent e = s.migrate(replica);
                    assertThat(e.succeeded()).as("%s", e).isTrue();
                }
                assertThat(pool.server(replica).stats().migratedInFromReplica()).isZero();
                assertThat(pool.server("s1").stats().statesHandedOut()).isEqualTo(1);
                for (int k = 5; k < 8; k++) {
                    exchange(s, input, k, got);
                }
            }
            Bytes.assertSameBytes(got.toByteArray(), TransformApp.expected(input));
        }
    }

    @Test
    void lazyTransferStillFetchesFromTheHolder() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2, REPLICATED.withStateTransfer(StateTransfer.lazy()))) {
            pool.serve(CHUNKED);
            byte[] input = ReplicatedTransferTest.random(CHUNK * 4, 3);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), CLIENT)) {
                exchange(s, input, 0, got);
                exchange(s, input, 1, got);
                String from = s.currentServer();
                String to = from.equals("s1") ? "s2" : "s1";
                assertThat(s.migrate(to).succeeded()).isTrue();
                exchange(s, input, 2, got);
                exchange(s, input, 3, got);
                assertThat(pool.server(from).stats().statesHandedOut()).isEqualTo(1);
                assertThat(pool.server(to).stats().migratedInFromReplica()).isZero();
                assertThat(pool.server(to).stats().replicasKept()).isZero();
            }
            Bytes.assertSameBytes(got.toByteArray(), TransformApp.expected(input));
        }
    }
}
