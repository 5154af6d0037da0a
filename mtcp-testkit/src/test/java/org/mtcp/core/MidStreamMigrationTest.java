package org.mtcp.core;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mtcp.testkit.Bytes.ascii;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.testkit.Bytes;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TcpProxy;
import org.mtcp.testkit.TransformApp;

/**
 * Migrations at awkward points: in the middle of a frame (in either direction), in the middle
 * of an application request, and while the migration itself is slow, with the client reading
 * and writing meanwhile (the paper's overlap, section 3.3).
 */
@Timeout(60)
class MidStreamMigrationTest {

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void migrationWhileAClientFrameIsHalfWayToTheServer() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2);
                TcpProxy path = TcpProxy.start(pool.serviceAddress("s1"))) {
            pool.serve(new TransformApp(4096));
            pool.routeServiceVia("s1", path.address());
            byte[] input = random(200_000, 1);
            try (MtcpSocket s = MtcpSocket.connect(List.of(path.address()), ClientOptions.defaults())) {
                // Let s1 see only the first 30,000 bytes past what it has now: the first DATA
                // frame (64 KiB) stops half way.
                long limit = path.delivered(true) + 30_000;
                path.setForwardLimit(limit, Long.MAX_VALUE);
                s.getOutputStream().write(input);
                await("half a frame delivered").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                        .until(() -> path.delivered(true) == limit);
                MigrationEvent e = s.migrate("s2");
                assertThat(e.succeeded()).as(e.toString()).isTrue();
                s.shutdownOutput();
                Bytes.assertSameBytes(s.getInputStream().readAllBytes(), TransformApp.expected(input));
            }
        }
    }

    @Test
    void migrationWhileAServerFrameIsHalfWayToTheClient() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2);
                TcpProxy path = TcpProxy.start(pool.serviceAddress("s1"))) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            pool.routeServiceVia("s1", path.address());
            byte[] output = random(200_000, 2);
            try (MtcpSocket s = MtcpSocket.connect(List.of(path.address()), ClientOptions.defaults())) {
                MtcpServerConnection c1 = q.poll(10, TimeUnit.SECONDS);
                c1.exportState(new byte[0]);
                long limit = path.delivered(false) + 20_000;
                path.setForwardLimit(Long.MAX_VALUE, limit);
                c1.getOutputStream().write(output); // one DATA frame of 64 KiB, cut at 20,000
                await("half a frame delivered").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                        .until(() -> path.delivered(false) == limit);
                MigrationEvent e = s.migrate("s2");
                assertThat(e.succeeded()).as(e.toString()).isTrue();
                MtcpServerConnection c2 = q.poll(10, TimeUnit.SECONDS);
                c2.getOutputStream().write(output); // regenerated: checked against s1's copy
                c2.close();
                Bytes.assertSameBytes(s.getInputStream().readAllBytes(), output);
            }
        }
    }

    /** A request/response app: "SUM a b\n" answers "a+b\n"; exports after each answer. */
    static void sumServer(MtcpServerConnection c) throws IOException {
        byte[] snap = c.importState();
        long answered = snap.length == 0 ? 0 : ByteBuffer.wrap(snap).getLong();
        BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII), 1);
        OutputStream out = c.getOutputStream();
        String line;
        while ((line = r.readLine()) != null) {
            String[] w = line.split(" ");
            long sum = Long.parseLong(w[1]) + Long.parseLong(w[2]);
            out.write(ascii(sum + "\n"));
            answered++;
            c.exportState(ByteBuffer.allocate(8).putLong(answered).array());
        }
        c.close();
    }

    @Test
    void migrationInTheMiddleOfARequest() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(3)) {
            pool.serve(MidStreamMigrationTest::sumServer);
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
                OutputStream out = s.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                for (int i = 0; i < 30; i++) {
                    String request = "SUM " + i + " " + (1000 * i) + "\n";
                    int cut = 1 + i % (request.length() - 1);
                    out.write(ascii(request.substring(0, cut)));
                    // s1 may have read the first half already: the next holder replays it.
                    assertThat(s.migrate().succeeded()).isTrue();
                    out.write(ascii(request.substring(cut)));
                    assertThat(in.readLine()).isEqualTo(String.valueOf(i + 1000L * i));
                }
                s.shutdownOutput();
                assertThat(in.readLine()).isNull();
                assertThat(s.migrations()).isEqualTo(30);
            }
            assertThat(pool.appFailures()).isEmpty();
        }
    }

    @Test
    void theClientKeepsReadingAndWritingWhileAMigrationIsInProgress() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2);
                TcpProxy control = TcpProxy.start(pool.server("s1").controlAddress())) {
            pool.serve(new TransformApp(16));
            pool.routeControlVia("s1", control.address());
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write(ascii("warm"));
                assertThat(in.readNBytes(4)).hasSize(4);
                // The fetch (s2 -> s1) is held back: the migration stays in progress.
                control.setForwardLimit(0, Long.MAX_VALUE);
                CompletableFuture<MigrationEvent> migration = CompletableFuture.supplyAsync(() -> {
                    try {
                        return s.migrate("s2");
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }, r -> Thread.ofVirtual().start(r));
                await("s2 asks s1 for the state").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                        .until(() -> control.accepted() >= 1);
                // Meanwhile s1 still serves: a request goes out and its answer comes back.
                byte[] during = random(30_000, 3);
                out.write(during);
                assertThat(in.readNBytes(during.length)).hasSize(during.length);
                assertThat(migration).isNotDone();
                assertThat(s.currentServer()).isEqualTo("s1");
                // Writes continue while the state moves.
                control.setForwardLimit(Long.MAX_VALUE, Long.MAX_VALUE);
                byte[] more = random(50_000, 4);
                out.write(more);
                MigrationEvent e = migration.get(10, TimeUnit.SECONDS);
                assertThat(e.succeeded()).isTrue();
                s.shutdownOutput();
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                all.write(in.readAllBytes());
                ByteArrayOutputStream input = new ByteArrayOutputStream();
                input.write(ascii("warm"));
                input.write(during);
                input.write(more);
                byte[] expected = TransformApp.expected(input.toByteArray());
                Bytes.assertSameBytes(all.toByteArray(),
                        java.util.Arrays.copyOfRange(expected, 4 + during.length, expected.length));
                assertThat(s.currentServer()).isEqualTo("s2");
            }
        }
    }
}
