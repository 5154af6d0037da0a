package org.mtcp.core;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mtcp.testkit.Bytes.ascii;
import static org.mtcp.testkit.Bytes.readAscii;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.internal.server.ServerConnection;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.testkit.LoopbackPool;

/**
 * Bounded memory: writers block (back-pressure) instead of buffering without limit, and every
 * limit violation is a clear error on that connection only.
 */
@Timeout(60)
class LimitsTest {

    static boolean blocked(Thread t) {
        Thread.State st = t.getState();
        return st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING;
    }

    @Test
    void aServerWriterBlocksWhenTheClientDoesNotRead() throws Exception {
        ServerOptions options = ServerOptions.defaults().withMaxRetainedBytes(64 * 1024);
        try (LoopbackPool pool = LoopbackPool.start(1, options)) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            ClientOptions client = ClientOptions.defaults().withReceiveBufferSize(16 * 1024);
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), client)) {
                ServerConnection c = (ServerConnection) q.poll(10, TimeUnit.SECONDS);
                AtomicLong written = new AtomicLong();
                int total = 4 << 20;
                Thread writer = Thread.ofVirtual().start(() -> {
                    byte[] chunk = new byte[1024];
                    try {
                        for (int i = 0; i < total / chunk.length; i++) {
                            c.getOutputStream().write(chunk);
                            written.addAndGet(chunk.length);
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                await("the server writer blocks").atMost(Duration.ofSeconds(10))
                        .until(() -> blocked(writer) && written.get() >= 64 * 1024);
                // Bounded: the retention and the client's buffer, not the 4 MB written.
                assertThat(written.get()).isLessThanOrEqualTo(64 * 1024 + 16 * 1024 + 1024);
                assertThat(c.outboundRetained()).isLessThanOrEqualTo(64 * 1024);
                assertThat(s.connection().bufferedBytes()).isLessThanOrEqualTo(16 * 1024);
                assertThat(writer.isAlive()).isTrue();
                // Reading releases it.
                assertThat(s.getInputStream().readNBytes(total)).hasSize(total);
                writer.join(10_000);
                assertThat(writer.isAlive()).isFalse();
                assertThat(written.get()).isEqualTo(total);
            }
        }
    }

    @Test
    void aClientWriterBlocksWhenTheServerDoesNotRead() throws Exception {
        ServerOptions options = ServerOptions.defaults().withMaxRetainedBytes(64 * 1024);
        try (LoopbackPool pool = LoopbackPool.start(1, options)) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            ClientOptions client = ClientOptions.defaults().withMaxUnacknowledgedBytes(32 * 1024);
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), client)) {
                ServerConnection c = (ServerConnection) q.poll(10, TimeUnit.SECONDS);
                AtomicLong written = new AtomicLong();
                int total = 2_000_000;
                Thread writer = Thread.ofVirtual().start(() -> {
                    byte[] chunk = new byte[1000];
                    try {
                        for (int i = 0; i < total / chunk.length; i++) {
                            s.getOutputStream().write(chunk);
                            written.addAndGet(chunk.length);
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                await("the client writer blocks").atMost(Duration.ofSeconds(10))
                        .until(() -> blocked(writer) && written.get() >= 32 * 1024);
                assertThat(written.get()).isLessThanOrEqualTo(64 * 1024 + 32 * 1024 + 1000);
                assertThat(s.connection().bufferedBytes()).isLessThanOrEqualTo(32 * 1024);
                assertThat(c.retainedBytes()).isLessThanOrEqualTo(64 * 1024);
                // The application reads and exports: the window moves, the writer finishes.
                byte[] buf = new byte[8192];
                long read = 0;
                while (read < total) {
                    int n = c.getInputStream().read(buf);
                    read += n;
                    c.exportState(new byte[0]);
                }
                writer.join(10_000);
                assertThat(writer.isAlive()).isFalse();
            }
        }
    }

    @Test
    void aTooLargeSnapshotIsRefusedAndThePreviousOneStays() throws Exception {
        ServerOptions options = ServerOptions.defaults().withMaxSnapshotSize(100);
        try (LoopbackPool pool = LoopbackPool.start(2, options)) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
                MtcpServerConnection c1 = q.poll(10, TimeUnit.SECONDS);
                c1.exportState(ascii("good"));
                assertThatThrownBy(() -> c1.exportState(new byte[101]))
                        .isInstanceOf(LimitExceededException.class)
                        .hasMessageContaining("maxSnapshotSize 100");
                c1.getOutputStream().write(ascii("fine"));
                assertThat(readAscii(s.getInputStream(), 4)).isEqualTo("fine");
                s.migrate();
                MtcpServerConnection c2 = q.poll(10, TimeUnit.SECONDS);
                assertThat(new String(c2.importState())).isEqualTo("good");
            }
        }
    }

    @Test
    void aFullInboundLogIsAnErrorUntilTheApplicationExports() throws Exception {
        ServerOptions options = ServerOptions.defaults().withMaxRetainedBytes(4096);
        try (LoopbackPool pool = LoopbackPool.start(1, options)) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
                MtcpServerConnection c = q.poll(10, TimeUnit.SECONDS);
                s.getOutputStream().write(new byte[10_000]);
                assertThat(c.getInputStream().readNBytes(4096)).hasSize(4096);
                assertThatThrownBy(() -> c.getInputStream().read())
                        .isInstanceOf(LimitExceededException.class)
                        .hasMessageContaining("inbound log full").hasMessageContaining("export state");
                c.exportState(new byte[0]);
                assertThat(c.getInputStream().readNBytes(4096)).hasSize(4096);
            }
        }
    }

    @Test
    void anOversizedFrameResetsThatConnectionOnly() throws Exception {
        ServerOptions options = ServerOptions.defaults().withMaxFrameSize(4096);
        try (LoopbackPool pool = LoopbackPool.start(1, options)) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            try (MtcpSocket good = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults());
                    RawClient raw = new RawClient(pool.serviceAddress("s1"))) {
                MtcpServerConnection goodSide = q.poll(10, TimeUnit.SECONDS);
                raw.send(Frame.Hello.newConnection(1 << 20, 1 << 20, 1000));
                assertThat(raw.read()).isInstanceOf(Frame.Welcome.class);
                MtcpServerConnection victim = q.poll(10, TimeUnit.SECONDS);
                raw.sendRaw(FrameEncoder.encode(new Frame.Data(0, new byte[5000])));
                Frame.Reset r = (Frame.Reset) raw.readUntilResetOrWelcome();
                assertThat(r.code()).isEqualTo(ResetCode.PROTOCOL_ERROR);
                assertThat(r.message()).contains("exceeds the frame size limit of 4096");
                assertThatThrownBy(() -> victim.getInputStream().read())
                        .isInstanceOf(ConnectionResetException.class).hasMessageContaining("protocol error");
                // The other connection is untouched.
                good.getOutputStream().write(ascii("ok"));
                assertThat(readAscii(goodSide.getInputStream(), 2)).isEqualTo("ok");
            }
        }
    }

    @Test
    void aGapInTheClientStreamIsAProtocolError() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(1)) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            try (RawClient raw = new RawClient(pool.serviceAddress("s1"))) {
                raw.send(Frame.Hello.newConnection(1 << 20, 1 << 20, 1000));
                assertThat(raw.read()).isInstanceOf(Frame.Welcome.class);
                raw.send(new Frame.Data(0, new byte[10])).send(new Frame.Data(5, new byte[10])); // overlap: fine
                raw.send(new Frame.Data(20, new byte[1])); // a gap: 15..19 never sent
                Frame.Reset r = (Frame.Reset) raw.readUntilResetOrWelcome();
                assertThat(r.code()).isEqualTo(ResetCode.PROTOCOL_ERROR);
                assertThat(r.message()).contains("gap");
                MtcpServerConnection c = q.poll(10, TimeUnit.SECONDS);
                // Like a TCP reset: the connection fails at once, unread bytes are dropped.
                assertThatThrownBy(() -> c.getInputStream().read()).isInstanceOf(ConnectionResetException.class)
                        .hasMessageContaining("gap in the client's stream: DATA at 20 but only 15 bytes received");
            }
        }
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedClearly() throws Exception {
        ServerOptions options = ServerOptions.defaults().withMaxConnections(2);
        try (LoopbackPool pool = LoopbackPool.start(1, options)) {
            pool.serve(c -> { });
            try (MtcpSocket a = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults());
                    MtcpSocket b = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
                assertThat(a.id()).isNotEqualTo(b.id());
                assertThatThrownBy(() -> MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults()))
                        .isInstanceOf(IOException.class).hasMessageContaining("maxConnections");
                assertThat(pool.server("s1").stats().open()).isEqualTo(2);
                assertThat(pool.server("s1").stats().rejected()).isEqualTo(1);
            }
        }
    }

    @Test
    void aSilentNewConnectionIsDroppedAfterTheHandshakeTimeout() throws Exception {
        ServerOptions options = ServerOptions.defaults().withHandshakeTimeout(Duration.ofMillis(300));
        try (LoopbackPool pool = LoopbackPool.start(1, options);
                RawClient raw = new RawClient(pool.serviceAddress("s1"))) {
            long t0 = System.nanoTime();
            Frame f = raw.read();
            assertThat(f).isInstanceOf(Frame.Reset.class);
            assertThat(((Frame.Reset) f).message()).contains("no HELLO within the handshake timeout");
            assertThat(raw.read()).isNull();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }
}
