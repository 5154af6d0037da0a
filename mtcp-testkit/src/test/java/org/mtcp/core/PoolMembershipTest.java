package org.mtcp.core;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.testkit.Bytes;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TcpProxy;
import org.mtcp.testkit.TransformApp;

/**
 * A pool that changes while it runs (zero-downtime deploys): connected clients learn the new
 * members from a CERT sent when the holder's pool is updated, migrate to a member that joined,
 * and never again try one that left.
 */
@Timeout(60)
class PoolMembershipTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Ends the stream and checks the transformed reply to everything sent, exactly once. */
    private static void finish(MtcpSocket s, byte[] sent) throws java.io.IOException {
        s.shutdownOutput();
        Bytes.assertSameBytes(s.getInputStream().readAllBytes(), TransformApp.expected(sent));
    }

    @Test
    void aConnectedClientLearnsAServerAddedAfterItConnectedAndCanMigrateToIt() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2, FaultTest.FAST)) {
            pool.serve(new TransformApp(1024));
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), FaultTest.CLIENT)) {
                assertThat(s.peers()).containsExactly("s1", "s2");
                byte[] input = FaultTest.random(5_000, 1);
                s.getOutputStream().write(input);

                pool.addServer("s3");

                await("the CERT with the new member").atMost(WAIT)
                        .until(() -> s.peers().equals(List.of("s1", "s2", "s3")));
                MigrationEvent moved = s.migrate("s3");
                assertThat(moved.succeeded()).as(moved.error()).isTrue();
                assertThat(s.currentServer()).isEqualTo("s3");
                finish(s, input);
            }
            assertThat(pool.appFailures()).isEmpty();
        }
    }

    @Test
    void aRemovedServerIsForgottenAndNeverTriedByALaterMigrationOrFailover() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(3, FaultTest.FAST);
                TcpProxy toS2 = TcpProxy.start(pool.serviceAddress("s2"));
                TcpProxy toS3 = TcpProxy.start(pool.serviceAddress("s3"))) {
            pool.serve(new TransformApp(1024));
            // Every attempt to reach s3 now passes through toS3, where it is counted; s2's path
            // can be cut (a failover needs the holder alive: lazy transfer).
            pool.routeServiceVia("s2", toS2.address());
            pool.routeServiceVia("s3", toS3.address());
            try (MtcpSocket s = MtcpSocket.connect(List.of(toS2.address()), FaultTest.CLIENT)) {
                assertThat(s.peers()).containsExactly("s1", "s2", "s3");

                pool.removeMember("s3");

                await("the CERT without the removed member").atMost(WAIT)
                        .until(() -> s.peers().equals(List.of("s1", "s2")));
                assertThatThrownBy(() -> s.migrate("s3")).isInstanceOf(IllegalArgumentException.class);
                // Pool order after s2 was s3; now it is s1.
                MigrationEvent next = s.migrate();
                assertThat(next.succeeded()).as(next.error()).isTrue();
                assertThat(s.currentServer()).isEqualTo("s1");
                assertThat(s.migrate("s2").succeeded()).isTrue();
                // The path to the holder breaks (the holder lives: lazy transfer needs it); the
                // failover picks from the current members only.
                toS2.resetAll();
                byte[] input = FaultTest.random(5_000, 2);
                s.getOutputStream().write(input);
                await("failover to s1").atMost(WAIT).until(() -> "s1".equals(s.currentServer()));
                finish(s, input);
                assertThat(toS3.accepted()).as("connections to the removed s3").isZero();
            }
        }
    }

    @Test
    void aVersionOneClientGetsVersionOneFramesAndCertificatesWithoutPeers() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2, FaultTest.FAST);
                RawClient old = new RawClient(pool.serviceAddress("s1"))) {
            pool.serve(new TransformApp(1024));
            old.send(new Frame.Hello(Wire.VERSION, Frame.HelloKind.NEW, 1 << 20, 0, 1 << 20, 60_000, null, 0,
                    new byte[0]));
            Frame.Welcome welcome = (Frame.Welcome) old.readUntilResetOrWelcome();
            assertThat(welcome.version()).isEqualTo(Wire.VERSION);

            pool.addServer("s3");

            Frame f;
            do {
                f = old.read();
            } while (f != null && !(f instanceof Frame.Cert));
            assertThat(f).isInstanceOfSatisfying(Frame.Cert.class, c -> assertThat(c.peers()).isEmpty());
        }
    }
}
