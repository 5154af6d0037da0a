package org.mtcp.core;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.policy.Policies;
import org.mtcp.testkit.Bytes;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TcpProxy;

/**
 * Policies driving real migrations: the paper's section 5 experiment (a streaming server whose
 * rate degrades; the inbound-rate policy moves the client to a fresh server each time) and its
 * section 6.6 one (a server slow to answer; the response-time policy moves the client).
 */
@Timeout(60)
class PolicyEndToEndTest {

    static final int STREAM = 1_500_000;
    static final int CHUNK = 2048;

    static byte byteAt(long i) {
        return (byte) (i * 31 + (i >>> 11));
    }

    /**
     * Streams {@link #STREAM} bytes after any request byte, one chunk every 2 ms for the first
     * 800 ms of a session on a server, then slower and slower (the delay grows by 1 ms every
     * 40 ms). The bytes do not depend on timing: the snapshot is the position.
     */
    static void degradingStreamer(MtcpServerConnection c) throws IOException {
        byte[] snap = c.importState();
        long position = snap.length == 0 ? 0 : ByteBuffer.wrap(snap).getLong();
        if (snap.length == 0 && c.getInputStream().read() < 0) {
            return;
        }
        OutputStream out = c.getOutputStream();
        long start = System.nanoTime();
        byte[] chunk = new byte[CHUNK];
        while (position < STREAM) {
            int n = (int) Math.min(CHUNK, STREAM - position);
            for (int i = 0; i < n; i++) {
                chunk[i] = byteAt(position + i);
            }
            out.write(chunk, 0, n);
            position += n;
            c.exportState(ByteBuffer.allocate(8).putLong(position).array());
            long age = (System.nanoTime() - start) / 1_000_000;
            long delay = age < 800 ? 2 : 2 + (age - 800) / 40;
            try {
                Thread.sleep(delay); // the simulated server load, not a test wait
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
        c.close();
    }

    @Test
    void theRatePolicyMovesAStreamAwayFromADegradingServer() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2)) {
            pool.serve(PolicyEndToEndTest::degradingStreamer);
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            ClientOptions options = ClientOptions.defaults()
                    .withPolicies(List.of(Policies.parse("rate:sample=50ms")));
            long t0 = System.nanoTime();
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), options)) {
                s.addMigrationListener(events::add);
                s.getOutputStream().write('G');
                InputStream in = s.getInputStream();
                byte[] got = in.readAllBytes();
                byte[] expected = new byte[STREAM];
                for (int i = 0; i < STREAM; i++) {
                    expected[i] = byteAt(i);
                }
                Bytes.assertSameBytes(got, expected);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            await("a migration event").atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
            assertThat(events).isNotEmpty().allSatisfy(e -> {
                assertThat(e.succeeded()).isTrue();
                assertThat(e.reason()).startsWith("rate: inbound rate from");
            });
            // Without migrations the last chunks alone would take minutes.
            assertThat(took).isLessThan(Duration.ofSeconds(30));
            assertThat(pool.appFailures()).isEmpty();
        }
    }

    /** Answers each request byte with one byte, after 1 s on s1 and at once elsewhere. */
    static void slowOnS1(MtcpServerConnection c, String server) throws IOException {
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        long answered = c.importState().length == 0 ? 0 : ByteBuffer.wrap(c.importState()).getLong();
        int b;
        while ((b = in.read()) >= 0) {
            if (server.equals("s1")) {
                try {
                    Thread.sleep(1000); // the overloaded server
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            out.write(b + 1);
            answered++;
            c.exportState(ByteBuffer.allocate(8).putLong(answered).array());
        }
        c.close();
    }

    @Test
    void theResponseTimePolicyMovesAClientAwayFromASlowServer() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2)) {
            for (var server : pool.servers()) {
                // One app per server, so it knows where it runs.
                Thread.ofVirtual().start(() -> {
                    while (true) {
                        MtcpServerConnection c;
                        try {
                            c = server.accept();
                        } catch (IOException e) {
                            return;
                        }
                        Thread.ofVirtual().start(() -> {
                            try {
                                slowOnS1(c, server.name());
                            } catch (IOException ignored) {
                                // moved away
                            }
                        });
                    }
                });
            }
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            ClientOptions options = ClientOptions.defaults()
                    .withPolicies(List.of(Policies.parse("response-time:200ms")));
            try (MtcpSocket s = MtcpSocket.connect(List.of(pool.serviceAddress("s1")), options)) {
                s.addMigrationListener(events::add);
                s.getOutputStream().write(41);
                assertThat(s.getInputStream().read()).isEqualTo(42);
                s.getOutputStream().write(9);
                assertThat(s.getInputStream().read()).isEqualTo(10);
                assertThat(s.currentServer()).isEqualTo("s2");
            }
            await("the migration event").atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.reason()).startsWith("response-time: no response from s1");
                assertThat(e.to()).isEqualTo("s2");
            });
        }
    }

    /** Answers each request byte with one byte, at once, and records the count in its snapshot. */
    static void answerAtOnce(MtcpServerConnection c) throws IOException {
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        long answered = c.importState().length == 0 ? 0 : ByteBuffer.wrap(c.importState()).getLong();
        int b;
        while ((b = in.read()) >= 0) {
            out.write(b + 1);
            answered++;
            c.exportState(ByteBuffer.allocate(8).putLong(answered).array());
        }
        c.close();
    }

    /**
     * The first request after an idle spell: the supervisor of an idle connection sleeps without
     * a tick, and the write must wake it, or the response-time policy is evaluated only when a
     * frame arrives (the answer, a PONG). Here nothing arrives (s1's answers and PONGs are held
     * on the path), so the policy alone can move the client; without the wake-up the client
     * would wait for its keepalive bound and leave s1 as a failed holder instead.
     */
    @Test
    void theResponseTimePolicyTicksForTheFirstRequestAfterAnIdleSpell() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2);
                TcpProxy path = TcpProxy.start(pool.serviceAddress("s1"))) {
            pool.serve(PolicyEndToEndTest::answerAtOnce);
            pool.routeServiceVia("s1", path.address());
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            ClientOptions options = ClientOptions.defaults()
                    .withKeepaliveInterval(Duration.ofSeconds(1)).withMissedKeepalives(4)
                    .withPolicies(List.of(Policies.parse("response-time:200ms")));
            try (MtcpSocket s = MtcpSocket.connect(List.of(path.address()), options)) {
                s.addMigrationListener(events::add);
                // Idle: a PING found nothing flowing, the keepalives back off (the supervisor
                // stopped ticking when the first one did, at the link's start).
                await("the idle back-off").atMost(Duration.ofSeconds(10))
                        .until(() -> s.connection().keepaliveInterval().compareTo(Duration.ofSeconds(1)) > 0);
                path.setForwardLimit(Long.MAX_VALUE, path.delivered(false)); // s1 is heard no more
                s.getOutputStream().write(41);
                assertThat(s.getInputStream().read()).isEqualTo(42);
                assertThat(s.currentServer()).isEqualTo("s2");
            }
            await("the migration event").atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.succeeded()).isTrue();
                assertThat(e.reason()).startsWith("response-time: no response from s1");
                assertThat(e.to()).isEqualTo("s2");
            });
        }
    }
}
