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
import org.mtcp.core.internal.cert.Certificate;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TcpProxy;

/** Keepalives: the RTT estimate, and certificates refreshed before they expire. */
@Timeout(60)
class KeepaliveTest {

    @Test
    void rttReflectsTheDelayOfThePathAndRestartsAfterAMigration() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2);
                TcpProxy path = TcpProxy.start(pool.serviceAddress("s1"))) {
            pool.serve(c -> { });
            pool.routeServiceVia("s1", path.address());
            path.setDelay(Duration.ofMillis(40), Duration.ofMillis(40));
            ClientOptions options = ClientOptions.defaults().withKeepaliveInterval(Duration.ofMillis(50));
            try (MtcpSocket s = MtcpSocket.connect(List.of(path.address()), options)) {
                await("an RTT sample of the delayed path").atMost(Duration.ofSeconds(10))
                        .until(() -> s.rtt() != null
                        && s.rtt().compareTo(Duration.ofMillis(75)) >= 0);
                assertThat(s.rtt()).isLessThan(Duration.ofSeconds(2));
                // s2 is reached directly: its RTT is a loopback one.
                assertThat(s.migrate("s2").succeeded()).isTrue();
                await("a sample from s2").atMost(Duration.ofSeconds(10)).until(() -> s.rtt() != null);
                await("the loopback RTT of s2").atMost(Duration.ofSeconds(10))
                        .until(() -> s.rtt().compareTo(Duration.ofMillis(20)) < 0);
            }
        }
    }

    @Test
    void certificatesAreRefreshedBeforeTheyExpire() throws Exception {
        ServerOptions options = ServerOptions.defaults()
                .withCertificateLifetime(Duration.ofMillis(600))
                .withKeepaliveInterval(Duration.ofMillis(50));
        try (LoopbackPool pool = LoopbackPool.start(2, options)) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
                long first = Certificate.decode(s.connection().certificate()).expiresAtMillis();
                await("a refreshed certificate").atMost(Duration.ofSeconds(5)).until(() -> {
                    try {
                        return Certificate.decode(s.connection().certificate()).expiresAtMillis() > first + 600;
                    } catch (Exception e) {
                        return false;
                    }
                });
                // Well past the first certificate's expiry, the connection can still migrate.
                long deadline = first + 200;
                await("first expired").atMost(Duration.ofSeconds(5))
                        .until(() -> System.currentTimeMillis() > deadline);
                assertThat(s.migrate().succeeded()).isTrue();
                assertThat(q.poll(5, TimeUnit.SECONDS)).isNotNull();
            }
        }
    }
}
