package org.mtcp.core;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TcpProxy;

/** {@link MtcpServerConnection#clientPresence()}: the holder can tell an orphan from a connection whose client is there. */
@Timeout(60)
class ClientPresenceTest {

    static final ServerOptions FAST = FaultTest.FAST;
    static final ClientOptions CLIENT = FaultTest.CLIENT;

    @Test
    void aBrokenPathMakesAnOrphanUntilTheOrphanTimeoutEndsIt() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(1, FAST.withOrphanTimeout(Duration.ofMillis(800)));
                TcpProxy path = TcpProxy.start(pool.serviceAddress("s1"))) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            MtcpSocket s = MtcpSocket.connect(List.of(path.address()), CLIENT.withFailover(false));
            MtcpServerConnection c = q.poll(10, TimeUnit.SECONDS);
            assertThat(c.clientPresence()).isEqualTo(ClientPresence.LINKED);
            assertThat(c.awaitClient(Duration.ofSeconds(5))).as("linked: no wait").isEqualTo(ClientPresence.LINKED);

            path.resetAll();
            await("the holder sees the link gone").atMost(Duration.ofSeconds(5))
                    .until(() -> c.clientPresence() != ClientPresence.LINKED);
            assertThat(c.clientPresence()).isEqualTo(ClientPresence.ORPHANED);
            assertThat(c.awaitClient(Duration.ofMillis(20))).as("still an orphan when the wait ends").isEqualTo(ClientPresence.ORPHANED);
            assertThat(c.awaitClient(Duration.ofSeconds(10))).as("the orphan timeout resets it").isEqualTo(ClientPresence.GONE);
            s.close();
        }
    }

    @Test
    void aClientThatComesBackMovesTheOrphanToItsNextEpoch() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(1, FAST);
                TcpProxy path = TcpProxy.start(pool.serviceAddress("s1"))) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            pool.routeServiceVia("s1", path.address());
            try (MtcpSocket s = MtcpSocket.connect(List.of(path.address()), CLIENT)) {
                MtcpServerConnection first = q.poll(10, TimeUnit.SECONDS);
                first.exportState(new byte[] {1});
                path.resetAll();
                await("the old epoch: its client is elsewhere now").atMost(Duration.ofSeconds(10))
                        .until(() -> first.clientPresence() == ClientPresence.GONE);
                MtcpServerConnection next = q.poll(10, TimeUnit.SECONDS);
                assertThat(next.epoch()).isEqualTo(first.epoch() + 1);
                assertThat(next.clientPresence()).isEqualTo(ClientPresence.LINKED);
                assertThat(s.migrations()).isEqualTo(1);
            }
        }
    }

    @Test
    void aClientThatClosesIsGone() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(1, FAST)) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), CLIENT);
            MtcpServerConnection c = q.poll(10, TimeUnit.SECONDS);
            s.close();
            assertThat(c.getInputStream().read()).as("end of stream").isEqualTo(-1);
            c.close();
            await("the client's CLOSE").atMost(Duration.ofSeconds(10)).until(() -> c.clientPresence() == ClientPresence.GONE);
        }
    }
}
