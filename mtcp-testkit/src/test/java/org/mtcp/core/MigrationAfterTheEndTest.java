package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.testkit.Bytes;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TcpProxy;

/**
 * A migration asked for once the holder finished sending (its FIN arrived, its CLOSE not yet):
 * the holder forgets the connection as soon as the FIN is acknowledged, so a takeover can only
 * race that and fail with "does not hold it" (the flake of PolicyEndToEndTest's rate test, where
 * a policy decided just before the end). The client knows the stream ended and does not try.
 */
@Timeout(30)
class MigrationAfterTheEndTest {

    @Test
    void aMigrationAfterTheServersFinIsNotAttempted() throws Exception {
        byte[] output = new byte[50_000];
        new Random(12).nextBytes(output);
        try (LoopbackPool pool = LoopbackPool.start(2);
                TcpProxy path = TcpProxy.start(pool.serviceAddress("s1"))) {
            pool.serve(c -> {
                c.exportState(new byte[0]);
                OutputStream out = c.getOutputStream();
                out.write(output);
                c.close();
            });
            pool.routeServiceVia("s1", path.address());
            // Server-to-client frames take 300 ms: the CLOSE (sent once the client's ACK of the
            // FIN reached s1) lands at least 300 ms after the FIN, which keeps the client between
            // the two while it asks to migrate. (A setup, not a timing assertion: had the CLOSE
            // arrived already, the answer would be the same.)
            path.setDelay(Duration.ZERO, Duration.ofMillis(300));
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            try (MtcpSocket s = MtcpSocket.connect(List.of(path.address()), ClientOptions.defaults())) {
                s.addMigrationListener(events::add);
                Bytes.assertSameBytes(s.getInputStream().readAllBytes(), output);
                MigrationEvent e = s.migrate("s2");
                assertThat(e.succeeded()).isFalse();
                assertThat(e.to()).isEqualTo("s1");
                // Not "s2: ... s1 does not hold it": no server was asked to take over.
                assertThat(e.error()).isEqualTo("the server closed the connection: nothing to migrate");
                assertThat(s.currentServer()).isEqualTo("s1");
                assertThat(events).containsExactly(e);
            }
            assertThat(pool.server("s2").stats().migratedIn()).isZero();
            assertThat(pool.appFailures()).isEmpty();
        }
    }
}
