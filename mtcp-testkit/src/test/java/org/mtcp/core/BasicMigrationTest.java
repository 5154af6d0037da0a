package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TransformApp;

@Timeout(60)
class BasicMigrationTest {

    static LoopbackPool pool;

    @BeforeAll
    static void start() throws Exception {
        pool = LoopbackPool.start(3);
        pool.serve(new TransformApp(8192));
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    @Test
    void newConnectionWithoutMigration() throws Exception {
        byte[] input = random(10_000, 1);
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
            s.getOutputStream().write(input);
            s.shutdownOutput();
            assertThat(s.getInputStream().readAllBytes()).isEqualTo(TransformApp.expected(input));
            assertThat(s.migrations()).isZero();
            assertThat(s.currentServer()).isEqualTo("s1");
            assertThat(s.peers()).containsExactly("s1", "s2", "s3");
        }
        assertThat(pool.appFailures()).isEmpty();
    }

    @Test
    void bothStreamsSurviveManyMigrationsWhileTrafficFlows() throws Exception {
        byte[] input = random(2 << 20, 2);
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor();
        // A small receive buffer: the server cannot finish the stream far ahead of the reader.
        ClientOptions options = ClientOptions.defaults().withReceiveBufferSize(64 * 1024);
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), options)) {
            s.addMigrationListener(events::add);
            Future<?> writer = exec.submit(() -> {
                OutputStream out = s.getOutputStream();
                Random r = new Random(3);
                int off = 0;
                while (off < input.length) {
                    int n = Math.min(input.length - off, 1 + r.nextInt(20_000));
                    out.write(input, off, n);
                    off += n;
                }
                s.shutdownOutput();
                return null;
            });
            // The reader migrates at marks: the stream cannot finish before, and the writer keeps
            // writing meanwhile (client writes during the migration).
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7000];
            int migrations = 0;
            long mark = 100_000;
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
                if (got.size() >= mark && mark < input.length - 100_000) {
                    MigrationEvent e = s.migrate();
                    assertThat(e.succeeded()).as(e.toString()).isTrue();
                    migrations++;
                    mark += 150_000;
                }
            }
            writer.get(30, TimeUnit.SECONDS);
            assertThat(got.toByteArray()).isEqualTo(TransformApp.expected(input));
            assertThat(s.migrations()).isEqualTo(migrations);
            assertThat(events).hasSize(migrations).allMatch(MigrationEvent::succeeded)
                    .allMatch(e -> e.reason().equals("explicit") && e.micros() > 0);
            assertThat(s.serversUsed()).containsExactlyInAnyOrder("s1", "s2", "s3");
        } finally {
            exec.shutdownNow();
        }
        assertThat(pool.appFailures()).isEmpty();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
