package org.mtcp.core;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mtcp.testkit.Bytes.ascii;
import static org.mtcp.testkit.Bytes.readAscii;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.testkit.LoopbackPool;

/**
 * The application contract (docs/protocol.md, section 5), driven step by step: the test holds the server-side
 * connections itself (the fixture's app just hands them over) and checks each rule.
 */
@Timeout(60)
class ServerContractTest {

    LoopbackPool pool;
    final BlockingQueue<MtcpServerConnection> accepted = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws IOException {
        pool = LoopbackPool.start(3);
        pool.serve(accepted::add);
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    MtcpServerConnection next() throws InterruptedException {
        MtcpServerConnection c = accepted.poll(10, TimeUnit.SECONDS);
        assertThat(c).as("a connection was accepted").isNotNull();
        return c;
    }

    @Test
    void importReplayRegenerateAndEmigratedAtTheOldServer() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
            MtcpServerConnection c1 = next();
            assertThat(c1.epoch()).isZero();
            assertThat(c1.migrated()).isFalse();
            assertThat(c1.importState()).isEmpty();
            assertThat(c1.id()).isEqualTo(s.id());

            s.getOutputStream().write(ascii("abcdef"));
            assertThat(readAscii(c1.getInputStream(), 3)).isEqualTo("abc");
            c1.getOutputStream().write(ascii("ABC"));
            c1.exportState(ascii("snap-1")); // consumed 3, written 3
            assertThat(readAscii(c1.getInputStream(), 3)).isEqualTo("def"); // after the snapshot
            c1.getOutputStream().write(ascii("DEF"));
            assertThat(readAscii(s.getInputStream(), 6)).isEqualTo("ABCDEF");

            // The old server's application is blocked in read when the connection moves.
            CompletableFuture<Throwable> blockedRead = CompletableFuture.supplyAsync(() -> {
                try {
                    c1.getInputStream().read();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }, r -> Thread.ofVirtual().start(r));

            MigrationEvent e = s.migrate("s2");
            assertThat(e.succeeded()).isTrue();
            assertThat(e.from()).isEqualTo("s1");
            assertThat(e.to()).isEqualTo("s2");
            MtcpServerConnection c2 = next();
            assertThat(c2.id()).isEqualTo(s.id());
            assertThat(c2.epoch()).isEqualTo(1);
            assertThat(c2.migrated()).isTrue();
            assertThat(new String(c2.importState())).isEqualTo("snap-1");

            // EMIGRATED everywhere at the old server; close is a quiet no-op.
            assertThat(blockedRead.get(10, TimeUnit.SECONDS)).isInstanceOf(MigratedException.class);
            assertThatThrownBy(() -> c1.getInputStream().read()).isInstanceOf(MigratedException.class);
            assertThatThrownBy(() -> c1.getOutputStream().write(1)).isInstanceOf(MigratedException.class);
            assertThatThrownBy(() -> c1.exportState(new byte[1])).isInstanceOf(MigratedException.class)
                    .satisfies(t -> {
                        MigratedException m = (MigratedException) t;
                        assertThat(m.connectionId()).isEqualTo(s.id());
                        assertThat(m.epoch()).isZero();
                    });
            assertThatThrownBy(c1::importState).isInstanceOf(MigratedException.class);
            c1.close();

            // The new server replays the inbound log after the snapshot ("def") ...
            assertThat(readAscii(c2.getInputStream(), 3)).isEqualTo("def");
            // ... regenerates what was written after the snapshot (checked, not resent) ...
            c2.getOutputStream().write(ascii("DEF"));
            // ... and continues with new bytes in both directions.
            c2.getOutputStream().write(ascii("GHI"));
            assertThat(readAscii(s.getInputStream(), 3)).isEqualTo("GHI");
            s.getOutputStream().write(ascii("ghi"));
            assertThat(readAscii(c2.getInputStream(), 3)).isEqualTo("ghi");
            assertThat(pool.server("s1").stats().migratedOut()).isEqualTo(1);
            assertThat(pool.server("s2").stats().migratedIn()).isEqualTo(1);
        }
    }

    @Test
    void migrationBeforeAnyExportReplaysFromTheStart() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
            MtcpServerConnection c1 = next();
            s.getOutputStream().write(ascii("request"));
            assertThat(readAscii(c1.getInputStream(), 7)).isEqualTo("request");
            c1.getOutputStream().write(ascii("resp"));
            assertThat(readAscii(s.getInputStream(), 2)).isEqualTo("re");
            s.migrate();
            MtcpServerConnection c2 = next();
            assertThat(c2.importState()).isEmpty();
            assertThat(c2.migrated()).isTrue();
            assertThat(readAscii(c2.getInputStream(), 7)).isEqualTo("request");
            c2.getOutputStream().write(ascii("response"));
            assertThat(readAscii(s.getInputStream(), 6)).isEqualTo("sponse");
        }
    }

    @Test
    void exportTrimsTheInboundLogAndMovesTheWindow() throws Exception {
        ServerOptions small = ServerOptions.defaults().withMaxRetainedBytes(4096);
        try (LoopbackPool p = LoopbackPool.start(2, small)) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            p.serve(q::add);
            try (MtcpSocket s = MtcpSocket.connect(p.serviceAddresses(), ClientOptions.defaults())) {
                MtcpServerConnection c = q.poll(10, TimeUnit.SECONDS);
                byte[] chunk = new byte[3000];
                // 30 KB through a 4 KB inbound log: works only because exports trim it.
                Thread writer = Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < 10; i++) {
                            s.getOutputStream().write(chunk);
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                for (int i = 0; i < 10; i++) {
                    assertThat(c.getInputStream().readNBytes(3000)).hasSize(3000);
                    c.exportState(new byte[] {(byte) i});
                    assertThat(((org.mtcp.core.internal.server.ServerConnection) c).retainedBytes())
                            .isLessThanOrEqualTo(4096);
                }
                writer.join(10_000);
                assertThat(writer.isAlive()).isFalse();
            }
        }
    }

    @Test
    void serverInitiatedMigrationToANamedServerAndToAnyServer() throws Exception {
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
            s.addMigrationListener(events::add);
            MtcpServerConnection c1 = next();
            c1.exportState(new byte[0]);
            c1.requestMigration("s3");
            MtcpServerConnection c2 = next();
            assertThat(c2.epoch()).isEqualTo(1);
            await("the migration event").atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
            assertThat(s.currentServer()).isEqualTo("s3");
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.reason()).startsWith("server-request");
                assertThat(e.to()).isEqualTo("s3");
            });
            assertThatThrownBy(() -> c1.getOutputStream().write(1)).isInstanceOf(MigratedException.class);

            c2.requestMigration(null); // the client picks one of the others (by its id: a drain's clients spread)
            MtcpServerConnection c3 = next();
            assertThat(c3.epoch()).isEqualTo(2);
            await("second migration").atMost(Duration.ofSeconds(5)).until(() -> s.migrations() == 2);
            assertThat(s.currentServer()).isIn("s1", "s2");
            assertThatThrownBy(() -> c3.requestMigration("nope")).isInstanceOf(IllegalArgumentException.class);

            c3.getOutputStream().write(ascii("still here"));
            assertThat(readAscii(s.getInputStream(), 10)).isEqualTo("still here");
        }
    }

    @Test
    void clientHalfCloseThenServerCloseDeliverEveryByteThenEof() throws Exception {
        MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults());
        MtcpServerConnection c = next();
        s.getOutputStream().write(ascii("last words"));
        s.shutdownOutput();
        assertThat(new String(c.getInputStream().readAllBytes())).isEqualTo("last words");
        assertThat(c.getInputStream().read()).isEqualTo(-1);
        assertThatThrownBy(() -> s.getOutputStream().write(1)).isInstanceOf(SocketException.class);

        c.getOutputStream().write(ascii("reply"));
        c.close();
        assertThat(new String(s.getInputStream().readAllBytes())).isEqualTo("reply");
        // The server forgets the connection once the client has acknowledged the end.
        await("connection released").atMost(Duration.ofSeconds(5))
                .until(() -> pool.server("s1").stats().open() == 0);
        s.close();
        assertThat(pool.appFailures()).isEmpty();
    }

    @Test
    void serverCloseIsSeenAfterTheLastByteAndLaterWritesFail() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
            MtcpServerConnection c = next();
            byte[] big = new byte[200_000];
            java.util.Arrays.fill(big, (byte) 7);
            c.getOutputStream().write(big);
            c.close();
            assertThatThrownBy(() -> c.getOutputStream().write(1)).isInstanceOf(IOException.class)
                    .hasMessageContaining("closed");
            assertThat(s.getInputStream().readAllBytes()).isEqualTo(big);
            await("writes fail once the server closed").atMost(Duration.ofSeconds(5)).until(() -> {
                try {
                    s.getOutputStream().write(1);
                    return false;
                } catch (IOException e) {
                    return e.getMessage().contains("closed by the server");
                }
            });
        }
    }

    @Test
    void clientCloseIsSeenByTheServerAfterTheLastByte() throws Exception {
        MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults());
        MtcpServerConnection c = next();
        s.getOutputStream().write(ascii("bye"));
        s.close();
        assertThat(new String(c.getInputStream().readAllBytes())).isEqualTo("bye");
        await("CLOSE processed").atMost(Duration.ofSeconds(5))
                .until(() -> pool.server("s1").stats().open() == 0);
        assertThatThrownBy(() -> c.getOutputStream().write(1)).isInstanceOf(IOException.class)
                .hasMessageContaining("closed by the client");
        await("client side finished").atMost(Duration.ofSeconds(5)).until(s::isFinished);
        assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketException.class);
        assertThatThrownBy(s::migrate).isInstanceOf(SocketException.class);
    }

    @Test
    void closeAfterAMigrationDeliversTheTail() throws Exception {
        MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults());
        MtcpServerConnection c1 = next();
        c1.exportState(new byte[0]);
        s.getOutputStream().write(ascii("one "));
        s.migrate();
        MtcpServerConnection c2 = next();
        s.getOutputStream().write(ascii("two"));
        s.close();
        assertThat(new String(c2.getInputStream().readAllBytes())).isEqualTo("one two");
    }
}
