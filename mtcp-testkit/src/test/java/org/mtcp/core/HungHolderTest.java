package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TcpProxy;

/**
 * Issue 11, point 4: a holder that goes silent while a response is in progress is detected
 * within the keepalive bound ((missed + 1) x the base interval), even after the connection had
 * been idle long enough for its keepalives to back off; then the connection fails over. And the
 * other way round: a client that vanishes in mid-response becomes an orphan at its holder within
 * the holder's keepalive bound, not its idle ceiling.
 */
@Timeout(60)
class HungHolderTest {

    private static final Duration BASE = Duration.ofMillis(100);
    private static final int MISSED = 4;
    private static final Duration CEILING = Duration.ofSeconds(10);
    private static final int CHUNK = 1024;
    private static final int CHUNKS = 400;

    /** The response to any request byte: CHUNKS chunks of CHUNK bytes, chunk i filled with i, 20 ms apart. */
    static void slowResponse(MtcpServerConnection c) throws IOException {
        try (c) {
            InputStream in = c.getInputStream();
            OutputStream out = c.getOutputStream();
            if (in.read() < 0) {
                return;
            }
            byte[] chunk = new byte[CHUNK];
            for (int i = 0; i < CHUNKS; i++) {
                Arrays.fill(chunk, (byte) i);
                out.write(chunk);
                out.flush();
                try {
                    Thread.sleep(20); // the application's pace: a streamed response, not a test wait
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } catch (MigratedException moved) {
            // the connection went to another server: that one regenerates the response
        }
    }

    @Test
    void aHolderSilentInMidResponseIsDetectedWithinTheKeepaliveBoundAfterAnIdleBackOff() throws Exception {
        // The holder gives the client 5 s (50 x 100 ms) before it cuts a silent link itself: the
        // client's own keepalive must be what detects the stop.
        ServerOptions server = ServerOptions.defaults().withControlTimeout(Duration.ofMillis(500))
                .withKeepaliveInterval(BASE).withMissedKeepalives(50);
        ClientOptions client = ClientOptions.defaults().withConnectTimeout(Duration.ofSeconds(2))
                .withKeepaliveInterval(BASE, CEILING).withMissedKeepalives(MISSED);
        try (LoopbackPool pool = LoopbackPool.start(2, server);
                TcpProxy path = TcpProxy.start(pool.serviceAddress("s1"))) {
            pool.serve(HungHolderTest::slowResponse);
            pool.routeServiceVia("s1", path.address());
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            try (MtcpSocket s = MtcpSocket.connect(List.of(path.address()), client)) {
                s.addMigrationListener(events::add);
                // Idle: the keepalives back off well past the silence bound of the base interval.
                await("the idle back-off").atMost(Duration.ofSeconds(20))
                        .until(() -> s.connection().keepaliveInterval().compareTo(Duration.ofSeconds(1)) > 0);
                assertThat(s.migrations()).as("an idle client is not dropped by its holder").isZero();

                s.getOutputStream().write('?');
                InputStream in = s.getInputStream();
                byte[] first = in.readNBytes(4 * CHUNK);
                assertThat(first[4 * CHUNK - 1]).isEqualTo((byte) 3);
                assertThat(s.connection().keepaliveInterval()).isEqualTo(BASE);

                path.setBlackhole(true); // s1 stops answering in mid-response; its process lives on
                long stopped = System.nanoTime();
                await("the failover").atMost(Duration.ofSeconds(20)).until(() -> !events.isEmpty());
                long detectedMillis = (System.nanoTime() - stopped) / 1_000_000;

                MigrationEvent e = events.get(0);
                assertThat(e.reason()).startsWith("holder-failed: missed keepalives");
                assertThat(e.succeeded()).isTrue();
                assertThat(e.to()).isEqualTo("s2");
                // The bound is (MISSED + 1) x BASE = 500 ms; generous for a loaded machine, and far
                // below what the backed-off interval (up to 10 s) would give.
                assertThat(detectedMillis).isLessThan(4_000);

                // The response goes on from s2, byte-exact.
                byte[] next = in.readNBytes(8 * CHUNK);
                for (int i = 0; i < next.length; i++) {
                    assertThat(next[i]).as("byte %d after the failover", 4 * CHUNK + i)
                            .isEqualTo((byte) ((4 * CHUNK + i) / CHUNK));
                }
            }
        }
    }

    @Test
    void aClientSilentInMidResponseBecomesAnOrphanWithinTheHoldersKeepaliveBound() throws Exception {
        ServerOptions server = ServerOptions.defaults().withKeepaliveInterval(BASE).withMissedKeepalives(MISSED)
                .withOrphanTimeout(Duration.ofMillis(300));
        // The client never gives up by itself here (its silence bound is 100 s): only the holder's rule acts.
        ClientOptions client = ClientOptions.defaults().withKeepaliveInterval(BASE, CEILING).withMissedKeepalives(1000)
                .withFailover(false);
        BlockingQueue<IOException> endings = new LinkedBlockingQueue<>();
        try (LoopbackPool pool = LoopbackPool.start(1, server);
                TcpProxy path = TcpProxy.start(pool.serviceAddress("s1"))) {
            pool.serve(c -> {
                try {
                    slowResponseOrFail(c);
                } catch (IOException e) {
                    endings.add(e);
                }
            });
            MtcpSocket s = MtcpSocket.connect(List.of(path.address()), client);
            s.getOutputStream().write('?');
            assertThat(s.getInputStream().readNBytes(4 * CHUNK)).hasSize(4 * CHUNK);

            path.setBlackhole(true); // the client's path goes silent; nothing closes
            long stopped = System.nanoTime();
            IOException ended = endings.poll(20, java.util.concurrent.TimeUnit.SECONDS);
            long millis = (System.nanoTime() - stopped) / 1_000_000;

            assertThat(ended).isInstanceOf(ConnectionResetException.class)
                    .hasMessageContaining("did not come back within 300 ms");
            // The bound is MISSED x BASE (400 ms) + the orphan timeout (300 ms); the link reader's own
            // timeout would be MISSED x the client's 10 s ceiling = 40 s.
            assertThat(millis).isLessThan(10_000);
            s.close();
        }
    }

    /** {@link #slowResponse}, but an I/O failure of the application reaches the caller. */
    private static void slowResponseOrFail(MtcpServerConnection c) throws IOException {
        try (c) {
            if (c.getInputStream().read() < 0) {
                return;
            }
            byte[] chunk = new byte[CHUNK];
            for (int i = 0; i < CHUNKS; i++) {
                Arrays.fill(chunk, (byte) i);
                c.getOutputStream().write(chunk);
                try {
                    Thread.sleep(20); // the application's pace
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
