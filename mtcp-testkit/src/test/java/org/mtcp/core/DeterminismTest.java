package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.testkit.LoopbackPool;

/**
 * The new holder compares what its application regenerates with the old holder's retained copy;
 * a difference resets the connection with a "non-deterministic replay" error at both ends, and
 * the client never reads a wrong byte.
 */
@Timeout(60)
class DeterminismTest {

    LoopbackPool pool;
    final BlockingQueue<MtcpServerConnection> accepted = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws IOException {
        pool = LoopbackPool.start(2);
        pool.serve(accepted::add);
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 13 + 5);
        }
        return b;
    }

    /** A small client window keeps most of the output unacknowledged, so s1 retains it. */
    static ClientOptions smallWindow() {
        return ClientOptions.defaults().withReceiveBufferSize(2048);
    }

    @Test
    void aDifferentByteIsDetectedAtBothEnds() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), smallWindow())) {
            MtcpServerConnection c1 = accepted.poll(10, TimeUnit.SECONDS);
            c1.exportState(new byte[0]); // snapshot before writing: the next holder regenerates it all
            byte[] truth = pattern(10_000);
            Thread w = Thread.ofVirtual().start(() -> {
                try {
                    c1.getOutputStream().write(truth);
                } catch (IOException expectedWhenMoved) {
                    // the write may block on back-pressure until the connection moves
                }
            });
            assertThat(s.getInputStream().readNBytes(100)).isEqualTo(Arrays.copyOf(truth, 100));
            assertThat(s.migrate().succeeded()).isTrue();
            w.join(10_000);
            MtcpServerConnection c2 = accepted.poll(10, TimeUnit.SECONDS);
            byte[] regenerated = truth.clone();
            regenerated[6000] ^= 0x40; // the application is not deterministic
            assertThatThrownBy(() -> c2.getOutputStream().write(regenerated))
                    .isInstanceOf(ConnectionResetException.class)
                    .hasMessageContaining("non-deterministic replay")
                    .hasMessageContaining("offset 6000")
                    .satisfies(e -> assertThat(((ConnectionResetException) e).reason())
                            .isEqualTo("non-deterministic-replay"));
            assertThatThrownBy(() -> c2.getOutputStream().write(1)).isInstanceOf(ConnectionResetException.class);

            // The client reads only correct bytes, then the same error.
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            got.write(truth, 0, 100);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[512];
            IOException failure = null;
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (IOException e) {
                failure = e;
            }
            assertThat(failure).isInstanceOf(ConnectionResetException.class)
                    .hasMessageContaining("non-deterministic replay");
            byte[] prefix = got.toByteArray();
            assertThat(prefix.length).isLessThanOrEqualTo(6000);
            assertThat(prefix).isEqualTo(Arrays.copyOf(truth, prefix.length));
            assertThatThrownBy(() -> s.getOutputStream().write(1)).isInstanceOf(ConnectionResetException.class);
            assertThat(pool.server("s2").stats().open()).isZero();
        }
    }

    @Test
    void closingShortOfWhatThePreviousHolderWroteIsDetected() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), smallWindow())) {
            MtcpServerConnection c1 = accepted.poll(10, TimeUnit.SECONDS);
            c1.exportState(new byte[0]);
            byte[] truth = pattern(5_000);
            Thread w = Thread.ofVirtual().start(() -> {
                try {
                    c1.getOutputStream().write(truth);
                } catch (IOException expectedWhenMoved) {
                    // moved
                }
            });
            assertThat(s.getInputStream().readNBytes(10)).hasSize(10);
            assertThat(s.migrate().succeeded()).isTrue();
            w.join(10_000);
            MtcpServerConnection c2 = accepted.poll(10, TimeUnit.SECONDS);
            c2.getOutputStream().write(truth, 0, 3000);
            assertThatThrownBy(c2::close).isInstanceOf(ConnectionResetException.class)
                    .hasMessageContaining("non-deterministic replay")
                    .hasMessageContaining("closed the stream at offset 3000");
            assertThatThrownBy(() -> s.getInputStream().readAllBytes())
                    .isInstanceOf(ConnectionResetException.class).hasMessageContaining("non-deterministic replay");
        }
    }

    @Test
    void identicalRegenerationIsAcceptedAndNotSentTwice() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), smallWindow())) {
            MtcpServerConnection c1 = accepted.poll(10, TimeUnit.SECONDS);
            c1.exportState(new byte[0]);
            byte[] truth = pattern(20_000);
            Thread w = Thread.ofVirtual().start(() -> {
                try {
                    c1.getOutputStream().write(truth);
                } catch (IOException expectedWhenMoved) {
                    // moved
                }
            });
            byte[] head = s.getInputStream().readNBytes(1000);
            assertThat(s.migrate().succeeded()).isTrue();
            w.join(10_000);
            MtcpServerConnection c2 = accepted.poll(10, TimeUnit.SECONDS);
            c2.getOutputStream().write(truth);
            c2.getOutputStream().write(pattern(3));
            c2.close();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write(head);
            all.write(s.getInputStream().readAllBytes());
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.write(truth);
            expected.write(pattern(3));
            assertThat(all.toByteArray()).isEqualTo(expected.toByteArray());
        }
    }
}
