package org.mtcp.core;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TransformApp;

/**
 * Exactly-once, in-order delivery in both directions across many migrations at random points,
 * with random export cadence on the server (see {@link TransformApp}), random write sizes, and
 * random flow-control settings, while both directions carry traffic.
 *
 * <p>Each try opens a connection, streams random bytes up while reading the transformed bytes
 * down, and migrates {@code migrations} times: some migrations happen while the writer keeps
 * writing (it does not wait), others at a byte position the writer stops at (so migrations also
 * fall at the very start and mid-stream deterministically). Across the tries of one run at
 * least {@value #MIN_TOTAL_MIGRATIONS} migrations happen; the last property checks the count.
 */
class StreamIntegrityPropertyTest {

    static final int TRIES = 40;
    static final int MIN_TOTAL_MIGRATIONS = 1000;

    static LoopbackPool pool;
    static final AtomicInteger totalMigrations = new AtomicInteger();

    @BeforeContainer
    static void startPool() throws IOException {
        pool = LoopbackPool.start(3, ServerOptions.defaults());
        pool.serve(new TransformApp(65_536));
    }

    @AfterContainer
    static void stopPool() {
        assertThat(totalMigrations.get()).as("migrations in this run").isGreaterThanOrEqualTo(MIN_TOTAL_MIGRATIONS);
        assertThat(pool.appFailures()).isEmpty();
        pool.close();
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void bothStreamsAreExactlyOnceAcrossRandomMigrations(
            @ForAll long seed,
            @ForAll @IntRange(min = 26, max = 34) int migrations,
            @ForAll @IntRange(min = 0, max = 400_000) int bytes,
            @ForAll @IntRange(min = 1, max = 70_000) int maxWrite,
            @ForAll @IntRange(min = 0, max = 2) int flowControl) throws Exception {
        oneTry(pool, totalMigrations, seed, migrations, bytes, maxWrite, flowControl);
    }

    /**
     * One try against {@code pool} (its clients as {@link LoopbackPool#clientOptions} makes
     * them: plaintext, or TLS for {@link TlsStreamIntegrityPropertyTest}).
     */
    static void oneTry(LoopbackPool pool, AtomicInteger totalMigrations, long seed, int migrations, int bytes,
            int maxWrite, int flowControl) throws Exception {
        Random r = new Random(seed);
        byte[] input = new byte[bytes];
        r.nextBytes(input);
        int[] receiveBuffers = {1 << 20, 16 * 1024, 1500};
        int[] unacked = {4 << 20, 32 * 1024, 2000};
        ClientOptions options = pool.clientOptions()
                .withReceiveBufferSize(receiveBuffers[flowControl])
                .withMaxUnacknowledgedBytes(unacked[flowControl]);
        // Migration points: positions in the input stream, in order; some synchronous.
        long[] points = new long[migrations];
        boolean[] sync = new boolean[migrations];
        for (int i = 0; i < migrations; i++) {
            points[i] = bytes == 0 ? 0 : (long) (r.nextDouble() * bytes);
            sync[i] = r.nextBoolean();
        }
        Arrays.sort(points);

        ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor();
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), options)) {
            AtomicLong written = new AtomicLong();
            AtomicInteger done = new AtomicInteger();
            Future<?> writer = exec.submit(() -> {
                OutputStream out = s.getOutputStream();
                Random wr = new Random(seed + 1);
                int off = 0;
                int next = 0;
                while (off < input.length) {
                    // Stop at a synchronous migration point until that migration is done.
                    while (next < migrations && points[next] <= off) {
                        int i = next;
                        if (sync[i]) {
                            await("migration " + i).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                                    .until(() -> done.get() > i);
                        }
                        next++;
                    }
                    int limit = next < migrations ? (int) Math.max(1, points[next] - off) : input.length - off;
                    int n = Math.min(Math.min(limit, input.length - off), 1 + wr.nextInt(maxWrite));
                    out.write(input, off, n);
                    off += n;
                    written.set(off);
                }
                // Keep the stream open until every migration happened.
                await("all migrations").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                        .until(() -> done.get() == migrations);
                s.shutdownOutput();
                return null;
            });
            Future<byte[]> reader = exec.submit(() -> {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] buf = new byte[1 + new Random(seed + 2).nextInt(20_000)];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
                return got.toByteArray();
            });
            for (int i = 0; i < migrations; i++) {
                long point = points[i];
                await("written " + point).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                        .until(() -> written.get() >= point);
                MigrationEvent e = s.migrate();
                assertThat(e.succeeded()).as("migration %d: %s", i, e).isTrue();
                done.incrementAndGet();
                totalMigrations.incrementAndGet();
            }
            writer.get(60, TimeUnit.SECONDS);
            byte[] output = reader.get(60, TimeUnit.SECONDS);
            assertThat(output.length).isEqualTo(input.length);
            assertThat(output).isEqualTo(TransformApp.expected(input));
            assertThat(s.migrations()).isEqualTo(migrations);
        } finally {
            exec.shutdownNow();
        }
    }
}
