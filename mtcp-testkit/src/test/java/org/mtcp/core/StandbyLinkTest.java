package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TcpProxy;
import org.mtcp.testkit.TransformApp;

/**
 * The standby link (ClientOptions.withStandby): a migration to the server it is open to opens no
 * TCP connection; it is renewed towards the next target after the holder changed; a dead one
 * costs the migration nothing; the streams stay exact throughout. TCP connections are counted
 * by a relay in front of each server's service port (every client connection goes through it).
 */
@Timeout(60)
class StandbyLinkTest {

    private LoopbackPool pool;
    private TcpProxy toS1;
    private TcpProxy toS2;

    @BeforeEach
    void start() throws Exception {
        pool = LoopbackPool.start(2);
        pool.serve(new TransformApp(4096));
        toS1 = TcpProxy.start(pool.serviceAddress("s1"));
        toS2 = TcpProxy.start(pool.serviceAddress("s2"));
        pool.routeServiceVia("s1", toS1.address());
        pool.routeServiceVia("s2", toS2.address());
    }

    @AfterEach
    void stop() {
        pool.close();
        toS1.close();
        toS2.close();
    }

    @Test
    void migrationsGoOverTheStandbyLinkWhichFollowsTheHolder() throws Exception {
        byte[] input = random(300_000, 1);
        try (MtcpSocket s = MtcpSocket.connect(List.of(toS1.address(), toS2.address()),
                ClientOptions.defaults().withStandby(true))) {
            assertThat(s.currentServer()).isEqualTo("s1");
            Exchange x = new Exchange(s, input);
            x.roundTrip(100_000);
            await("standby link at s2").atMost(Duration.ofSeconds(10))
                    .until(() -> stats("s2").standbyLinks() == 1);
            int toS2Before = toS2.accepted();

            MigrationEvent e = s.migrate();

            assertThat(e.succeeded()).as(e.error()).isTrue();
            assertThat(s.currentServer()).isEqualTo("s2");
            assertThat(toS2.accepted()).as("TCP connections to s2 during the migration").isEqualTo(toS2Before);
            assertThat(stats("s2").migratedInOnStandby()).isEqualTo(1);
            x.roundTrip(100_000);

            // The holder changed: the next standby link goes to s1, and the way back uses it.
            await("standby link renewed to s1").atMost(Duration.ofSeconds(10))
                    .until(() -> stats("s1").standbyLinks() == 1);
            int toS1Before = toS1.accepted();
            e = s.migrate();
            assertThat(e.succeeded()).as(e.error()).isTrue();
            assertThat(s.currentServer()).isEqualTo("s1");
            assertThat(toS1.accepted()).as("TCP connections to s1 during the migration").isEqualTo(toS1Before);
            assertThat(stats("s1").migratedInOnStandby()).isEqualTo(1);
            x.finish();
        }
        assertThat(pool.appFailures()).isEmpty();
    }

    @Test
    void aDeadStandbyLinkCostsTheMigrationNothing() throws Exception {
        byte[] input = random(200_000, 2);
        try (MtcpSocket s = MtcpSocket.connect(List.of(toS1.address(), toS2.address()),
                ClientOptions.defaults().withStandby(true))) {
            Exchange x = new Exchange(s, input);
            x.roundTrip(50_000);
            await("standby link at s2").atMost(Duration.ofSeconds(10))
                    .until(() -> stats("s2").standbyLinks() == 1);
            int toS2Before = toS2.accepted();
            toS2.resetAll(); // the path to s2 drops every connection on it: the standby link is dead
            await("s2 saw its standby link end").atMost(Duration.ofSeconds(10))
                    .until(() -> stats("s2").standbyLinks() == 0);

            MigrationEvent e = s.migrate();

            assertThat(e.succeeded()).as(e.error()).isTrue();
            assertThat(s.currentServer()).isEqualTo("s2");
            assertThat(toS2.accepted()).as("a new TCP connection replaced the dead link").isGreaterThan(toS2Before);
            assertThat(stats("s2").migratedInOnStandby()).isZero();
            x.finish();
        }
        assertThat(pool.appFailures()).isEmpty();
    }

    @Test
    void withoutTheOptionNoStandbyLinkIsOpened() throws Exception {
        byte[] input = random(20_000, 3);
        try (MtcpSocket s = MtcpSocket.connect(List.of(toS1.address(), toS2.address()), ClientOptions.defaults())) {
            Exchange x = new Exchange(s, input);
            x.roundTrip(10_000);
            MigrationEvent e = s.migrate();
            assertThat(e.succeeded()).as(e.error()).isTrue();
            assertThat(toS2.accepted()).as("the migration's own connection only").isEqualTo(1);
            assertThat(stats("s2").migratedInOnStandby()).isZero();
            x.finish();
        }
    }

    private ServerStats stats(String name) {
        return pool.server(name).stats();
    }

    /** Writes the input in steps and checks each step's transformed answer. */
    private static final class Exchange {
        private final MtcpSocket s;
        private final byte[] input;
        private final byte[] expected;
        private final OutputStream out;
        private final InputStream in;
        private int done;

        Exchange(MtcpSocket s, byte[] input) throws Exception {
            this.s = s;
            this.input = input;
            this.expected = TransformApp.expected(input);
            this.out = s.getOutputStream();
            this.in = s.getInputStream();
        }

        void roundTrip(int n) throws Exception {
            out.write(input, done, n);
            byte[] got = in.readNBytes(n);
            assertThat(got).isEqualTo(Arrays.copyOfRange(expected, done, done + n));
            done += n;
        }

        void finish() throws Exception {
            out.write(input, done, input.length - done);
            s.shutdownOutput();
            byte[] rest = in.readAllBytes();
            assertThat(rest).isEqualTo(Arrays.copyOfRange(expected, done, expected.length));
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
