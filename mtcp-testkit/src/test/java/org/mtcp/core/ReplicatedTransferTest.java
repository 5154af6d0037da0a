package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mtcp.core.internal.Rendezvous;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.testkit.Bytes;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TcpProxy;
import org.mtcp.testkit.TransformApp;

/**
 * Replicated state transfer (docs/protocol.md, section 10): a holder that crashes mid-stream is
 * replaced by the replica of the connection, every byte intact and in order; a crashed replica
 * is replaced while the holder lives; lazy transfer still fails with {@code holder-unreachable}.
 */
@Timeout(60)
class ReplicatedTransferTest {

    static final ServerOptions REPLICATED = ServerOptions.defaults()
            .withControlTimeout(Duration.ofMillis(500))
            .withKeepaliveInterval(Duration.ofMillis(100))
            .withStateTransfer(StateTransfer.replicated(1));

    static final ClientOptions CLIENT = ClientOptions.defaults().withConnectTimeout(Duration.ofSeconds(2));

    static final int INPUT = 400_000;

    /** The first replica of {@code s}'s connection: the other server ranked first for its id. */
    static String replicaOf(MtcpSocket s, LoopbackPool pool) {
        String holder = s.currentServer();
        List<String> others = pool.servers().stream().map(MtcpServer::name).filter(n -> !n.equals(holder)).toList();
        return Rendezvous.rank(s.id(), others).get(0);
    }

    /** Writes {@code input} and shuts the output in the background; the failure, if any, in {@code failure}. */
    static Thread writer(MtcpSocket s, byte[] input, AtomicReference<Throwable> failure) {
        return Thread.ofVirtual().start(() -> {
            try {
                s.getOutputStream().write(input);
                s.shutdownOutput();
            } catch (IOException e) {
                failure.set(e);
            }
        });
    }

    /** The application saw no error but the crash of its own server. */
    static void assertOnlyCrashed(LoopbackPool pool, String crashed) {
        assertThat(pool.appFailures()).allSatisfy(e -> assertThat(e).isInstanceOf(ConnectionResetException.class)
                .hasMessage("server " + crashed + " closed"));
    }

    /**
     * Crashes s1, the holder, whose control port the others reach through {@code control}: the
     * control port is cut first, so that no takeover can fetch from s1 while its close is under
     * way ({@link LoopbackPool#crash} closes the service port before the control port): the
     * takeover must come from the replica.
     */
    static void crashS1(LoopbackPool pool, TcpProxy control) {
        control.setRefuse(true);
        control.resetAll();
        pool.crash("s1");
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest(name = "crash after {0} bytes read")
    @ValueSource(ints = {1, 20_000, 150_000, 300_000, INPUT - 50_000})
    void aCrashedHolderIsReplacedByItsReplicaWithEveryByteInOrder(int crashAfter) throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(3, REPLICATED);
                TcpProxy s1Control = TcpProxy.start(pool.server("s1").boundMember().control())) {
            pool.routeControlVia("s1", s1Control.address());
            pool.serve(new TransformApp(16 * 1024));
            byte[] input = random(INPUT, crashAfter);
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            AtomicReference<Throwable> writeFailure = new AtomicReference<>();
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), CLIENT.withReceiveBufferSize(16 * 1024))) {
                s.addMigrationListener(events::add);
                Thread w = writer(s, input, writeFailure);
                InputStream in = s.getInputStream();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                got.write(in.readNBytes(crashAfter));
                String holder = s.currentServer();
                assertThat(holder).isEqualTo("s1");
                String replica = replicaOf(s, pool);
                crashS1(pool, s1Control);
                got.write(in.readAllBytes());
                w.join(Duration.ofSeconds(20));
                assertThat(writeFailure.get()).isNull();
                Bytes.assertSameBytes(got.toByteArray(), TransformApp.expected(input));
                assertThat(s.currentServer()).isEqualTo(replica);
                await("the failover event").atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
                assertThat(events).anySatisfy(e -> {
                    assertThat(e.succeeded()).isTrue();
                    assertThat(e.from()).isEqualTo(holder);
                    assertThat(e.to()).isEqualTo(replica);
                    assertThat(e.reason()).startsWith("holder-failed");
                });
                assertThat(pool.server(replica).stats().migratedInFromReplica()).isEqualTo(1);
                assertOnlyCrashed(pool, holder);
            }
        }
    }

    @Test
    void withLazyTransferTheSameCrashStillFailsWithHolderUnreachable() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(3, REPLICATED.withStateTransfer(StateTransfer.lazy()))) {
            pool.serve(new TransformApp(16 * 1024));
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), CLIENT)) {
                s.getOutputStream().write(random(10_000, 1));
                assertThat(s.getInputStream().readNBytes(10_000)).hasSize(10_000);
                pool.crash(s.currentServer());
                assertThatThrownBy(() -> s.getInputStream().read())
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("holder-unreachable");
            }
        }
    }

    @Test
    void aCrashedReplicaIsReplacedWhileTheHolderLivesAndTheNewOneServesTheNextFailover() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(3, REPLICATED);
                TcpProxy s1Control = TcpProxy.start(pool.server("s1").boundMember().control())) {
            pool.routeControlVia("s1", s1Control.address());
            pool.serve(new TransformApp(16 * 1024));
            byte[] input = random(INPUT, 7);
            AtomicReference<Throwable> writeFailure = new AtomicReference<>();
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), CLIENT.withReceiveBufferSize(16 * 1024))) {
                Thread w = writer(s, input, writeFailure);
                InputStream in = s.getInputStream();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                got.write(in.readNBytes(100_000));
                String holder = s.currentServer();
                assertThat(holder).isEqualTo("s1");
                String replica = replicaOf(s, pool);
                String third = pool.servers().stream().map(MtcpServer::name)
                        .filter(n -> !n.equals(holder) && !n.equals(replica)).findFirst().orElseThrow();
                assertThat(pool.server(replica).stats().replicasKept()).isEqualTo(1);
                pool.crash(replica);
                got.write(in.readNBytes(100_000));
                // The pushes went on to the next server in the ranking.
                await("a replica on " + third).atMost(Duration.ofSeconds(10))
                        .until(() -> pool.server(third).stats().replicasKept() == 1);
                assertThat(s.currentServer()).isEqualTo(holder);
                crashS1(pool, s1Control);
                got.write(in.readAllBytes());
                w.join(Duration.ofSeconds(20));
                assertThat(writeFailure.get()).isNull();
                Bytes.assertSameBytes(got.toByteArray(), TransformApp.expected(input));
                assertThat(s.currentServer()).isEqualTo(third);
                assertThat(pool.server(third).stats().migratedInFromReplica()).isEqualTo(1);
                assertOnlyCrashed(pool, holder);
            }
        }
    }

    @Test
    void replicasAreDroppedWhenTheConnectionEndsCleanly() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(3, REPLICATED)) {
            pool.serve(new TransformApp(1024));
            byte[] input = random(50_000, 3);
            String replica;
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), CLIENT)) {
                replica = replicaOf(s, pool);
                s.getOutputStream().write(input);
                s.shutdownOutput();
                Bytes.assertSameBytes(s.getInputStream().readAllBytes(), TransformApp.expected(input));
            }
            await("no replica left").atMost(Duration.ofSeconds(10))
                    .until(() -> pool.servers().stream().allMatch(m -> m.stats().replicasKept() == 0));
            assertThat(pool.server(replica).stats().takenOverFromReplica()).isZero();
        }
    }

    @Test
    void aPartitionedHolderIsFencedByTheReplicaThatTookOver() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(3, REPLICATED);
                TcpProxy s1Control = TcpProxy.start(pool.server("s1").boundMember().control());
                TcpProxy s1Path = TcpProxy.start(pool.serviceAddress("s1"))) {
            pool.routeControlVia("s1", s1Control.address());
            pool.routeServiceVia("s1", s1Path.address());
            BlockingQueue<MtcpServerConnection> accepted = new LinkedBlockingQueue<>();
            pool.serve(accepted::add);
            try (MtcpSocket s = MtcpSocket.connect(List.of(s1Path.address()), CLIENT)) {
                MtcpServerConnection c1 = accepted.poll(10, TimeUnit.SECONDS);
                assertThat(c1.epoch()).isZero();
                String replica = replicaOf(s, pool);
                s.getOutputStream().write(Bytes.ascii("abcdef"));
                assertThat(Bytes.readAscii(c1.getInputStream(), 4)).isEqualTo("abcd");
                c1.getOutputStream().write(Bytes.ascii("XY"));
                c1.exportState(Bytes.ascii("one")); // on the replica (with "ef", received) when this returns
                assertThat(Bytes.readAscii(s.getInputStream(), 2)).isEqualTo("XY");

                // s1 lives but nobody reaches it: neither its client nor the other servers.
                s1Control.setRefuse(true);
                s1Control.resetAll();
                s1Path.setRefuse(true);
                s1Path.resetAll();
                s.getOutputStream().write(Bytes.ascii("gh"));
                MtcpServerConnection c2 = accepted.poll(10, TimeUnit.SECONDS);
                assertThat(c2).isNotNull();
                assertThat(c2.epoch()).isEqualTo(1);
                // the server hands c2 out once its WELCOME is written; the client switches on reading it
                await("the client on the replica").atMost(Duration.ofSeconds(10))
                        .until(() -> replica.equals(s.currentServer()));
                assertThat(pool.server(replica).stats().migratedInFromReplica()).isEqualTo(1);
                assertThat(new String(c2.importState())).isEqualTo("one");
                // "ef" came with the replicated state; "gh" the client kept (beyond stable) and resent.
                assertThat(Bytes.readAscii(c2.getInputStream(), 4)).isEqualTo("efgh");

                // The old holder's next export reaches the replica, which knows epoch 1: fenced.
                assertThatThrownBy(() -> c1.exportState(Bytes.ascii("stale"))).isInstanceOf(MigratedException.class);
                assertThatThrownBy(() -> c1.getOutputStream().write(1)).isInstanceOf(MigratedException.class);
                assertThat(pool.server("s1").stats().open()).isZero();

                c2.getOutputStream().write(Bytes.ascii("Z"));
                assertThat(Bytes.readAscii(s.getInputStream(), 1)).isEqualTo("Z");
            }
        }
    }
}
