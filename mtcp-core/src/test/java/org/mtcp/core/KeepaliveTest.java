package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.internal.cert.Certificate;
import org.mtcp.testkit.Await;
import org.mtcp.testkit.PoolFixture;
import org.mtcp.testkit.TcpProxy;

/** Keepalives: the RTT estimate, and certificates refreshed before they expire. */
@Timeout(60)
class KeepaliveTest {

    @Test
    void rttReflectsTheDelayOfThePathAndRestartsAfterAMigration() throws Exception {
        try (PoolFixture pool = PoolFixture.start(2);
                TcpProxy path = TcpProxy.start(pool.serviceAddress("s1"))) {
            pool.serve(c -> { });
            pool.routeServiceVia("s1", path.address());
            path.setDelay(Duration.ofMillis(40), Duration.ofMillis(40));
            ClientOptions options = ClientOptions.defaults().withKeepaliveInterval(Duration.ofMillis(50));
            try (MtcpSocket s = MtcpSocket.connect(List.of(path.address()), options)) {
                Await.until(Duration.ofSeconds(10), () -> s.rtt() != null
                        && s.rtt().compareTo(Duration.ofMillis(75)) >= 0, "an RTT sample of the delayed path");
                assertThat(s.rtt()).isLessThan(Duration.ofSeconds(2));
                // s2 is reached directly: its RTT is a loopback one.
                assertThat(s.migrate("s2").succeeded()).isTrue();
                Await.until(Duration.ofSeconds(10), () -> s.rtt() != null, "a sample from s2");
                Await.until(Duration.ofSeconds(10), () -> s.rtt().compareTo(Duration.ofMillis(20)) < 0,
                        "the loopback RTT of s2");
            }
        }
    }

    @Test
    void certificatesAreRefreshedBeforeTheyExpire() throws Exception {
        ServerOptions options = ServerOptions.defaults()
                .withCertificateLifetime(Duration.ofMillis(600))
                .withKeepaliveInterval(Duration.ofMillis(50));
        try (PoolFixture pool = PoolFixture.start(2, options)) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
                long first = Certificate.decode(s.connection().certificate()).expiresAtMillis();
                Await.until(Duration.ofSeconds(5), () -> {
                    try {
                        return Certificate.decode(s.connection().certificate()).expiresAtMillis() > first + 600;
                    } catch (Exception e) {
                        return false;
                    }
                }, "a refreshed certificate");
                // Well past the first certificate's expiry, the connection can still migrate.
                long deadline = first + 200;
                Await.until(Duration.ofSeconds(5), () -> System.currentTimeMillis() > deadline, "first expired");
                assertThat(s.migrate().succeeded()).isTrue();
                assertThat(q.poll(5, TimeUnit.SECONDS)).isNotNull();
            }
        }
    }
}
