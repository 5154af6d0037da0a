package org.mtcp.proxy;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.core.MtcpSocket;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TcpProxy;

/**
 * A proxy in front of two servers, one of them draining: after the first new connection is
 * refused there ({@code shutdown}), every later one goes straight to the other server.
 */
@Timeout(60)
class ProxyAvoidsDrainingServerTest {

    private static final int CONNECTIONS = 10;

    /** Echoes every byte until end-of-stream, then closes. */
    private static void echo(MtcpServerConnection c) throws IOException {
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        byte[] buffer = new byte[4096];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
            out.flush();
        }
        c.close();
    }

    @Test
    void newConnectionsGoStraightToTheServerThatIsNotDraining() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(2);
                TcpProxy refusingS2 = TcpProxy.start(pool.serviceAddress("s2"));
                TcpProxy toS1 = TcpProxy.start(pool.serviceAddress("s1"))) {
            pool.serve(ProxyAvoidsDrainingServerTest::echo);
            // s1 keeps draining while one of its clients cannot move away: that client knows s2
            // only at an address that refuses.
            refusingS2.setRefuse(true);
            pool.routeServiceVia("s2", refusingS2.address());
            List<MigrationEvent> stuck = new CopyOnWriteArrayList<>();
            try (MtcpSocket held = MtcpSocket.connect(List.of(pool.serviceAddress("s1")), ClientOptions.defaults())) {
                held.addMigrationListener(stuck::add);
                Thread.ofVirtual().start(() -> pool.server("s1").drain(Duration.ofSeconds(30)));
                await("s1 draining: its client was asked to move and could not").atMost(Duration.ofSeconds(10))
                        .until(() -> stuck.stream().anyMatch(e -> !e.succeeded()));

                ByteArrayOutputStream log = new ByteArrayOutputStream();
                InetSocketAddress s2 = pool.server("s2").serviceAddress();
                try (MigratoryProxy proxy = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0),
                        new ProxySettings(List.of(toS1.address(), s2), ClientOptions.defaults(), 4096, 64),
                        new EventLog(new PrintStream(log, true, StandardCharsets.UTF_8)))) {
                    proxy.serveInBackground();
                    for (int i = 0; i < CONNECTIONS; i++) {
                        byte[] request = ("request " + i).getBytes(StandardCharsets.UTF_8);
                        try (Socket client = new Socket()) {
                            client.connect(proxy.localAddress(), 5000);
                            client.setSoTimeout(10_000);
                            client.getOutputStream().write(request);
                            client.shutdownOutput();
                            assertThat(client.getInputStream().readAllBytes()).isEqualTo(request);
                        }
                    }
                    assertThat(toS1.accepted()).as("attempts at the draining s1").isEqualTo(1);
                    assertThat(pool.server("s2").stats().accepted()).isEqualTo(CONNECTIONS);
                    assertThat(proxy.unavailableServers().isAvoided(toS1.address())).isTrue();
                }
            }
        }
    }
}
