package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.policy.Policies;
import org.mtcp.testkit.LoopbackPool;

/**
 * Issue 11, point 1: every server is slow for the same reason (their database is down), so a
 * response-time policy finds each new server no better. The connection must stop moving: it
 * stays once every other server was found bad lately (the quarantine of {@link UnavailableServers}),
 * and without a quarantine at most {@link MigrationLimits#maxWithoutProgress()} policy migrations
 * happen, backed off; when the database is back, the request is answered where it stands.
 */
@Timeout(60)
class MigrationStormTest {

    private final CountDownLatch databaseUp = new CountDownLatch(1);

    /** Reads a one-line request, waits for the database, answers "ok". Deterministic output. */
    private void waitsForTheDatabase(MtcpServerConnection c) throws IOException {
        InputStream in = c.getInputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                return;
            }
        }
        try {
            databaseUp.await();
        } catch (InterruptedException e) {
            throw new IOException("interrupted waiting for the database", e);
        }
        c.getOutputStream().write("ok\n".getBytes());
        c.close();
    }

    private static ClientOptions responseTime() {
        return ClientOptions.defaults().withKeepaliveInterval(Duration.ofMillis(100))
                .withPolicies(List.of(Policies.parse("response-time:200ms")));
    }

    @Test
    void aConnectionStaysOnceEveryOtherServerWasFoundNoBetter() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(3)) {
            pool.serve(this::waitsForTheDatabase);
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), responseTime())) {
                s.addMigrationListener(events::add);
                s.getOutputStream().write("GET\n".getBytes());
                // s1 -> s2 -> s3, then s1 and s2 are both quarantined: it stays on s3
                await("two migrations, then none for 3 s").atMost(Duration.ofSeconds(15))
                        .during(Duration.ofSeconds(3)).until(() -> events.size() == 2);
                assertThat(events).extracting(MigrationEvent::to).containsExactly("s2", "s3");
                assertThat(events).allSatisfy(e -> assertThat(e.reason()).startsWith("response-time:"));
                databaseUp.countDown();
                assertThat(new String(s.getInputStream().readAllBytes())).isEqualTo("ok\n");
                assertThat(s.migrations()).isEqualTo(2);
            }
        }
    }

    @Test
    void withoutAQuarantineTheBoundAndTheBackOffStopTheStorm() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2)) {
            pool.serve(this::waitsForTheDatabase);
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            List<Long> at = new CopyOnWriteArrayList<>();
            UnavailableServers noQuarantine = new UnavailableServers(Duration.ZERO);
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), responseTime(), noQuarantine)) {
                s.addMigrationListener(e -> {
                    events.add(e);
                    at.add(System.nanoTime());
                });
                s.getOutputStream().write("GET\n".getBytes());
                await("the bound: three policy migrations, then none for 3 s").atMost(Duration.ofSeconds(20))
                        .during(Duration.ofSeconds(3)).until(() -> events.size() == MigrationLimits.DEFAULTS.maxWithoutProgress());
                // back-off: the cooldown (500 ms) doubled per migration counted: >= 1 s, then >= 2 s
                assertThat(Duration.ofNanos(at.get(1) - at.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(900));
                assertThat(Duration.ofNanos(at.get(2) - at.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
                databaseUp.countDown();
                assertThat(new String(s.getInputStream().readAllBytes())).isEqualTo("ok\n");
            }
        }
    }
}
