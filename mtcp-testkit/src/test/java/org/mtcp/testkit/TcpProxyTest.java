package org.mtcp.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The delay proxy charges a new connection its TCP handshake: the loopback connect is free, so the
 * client's first bytes are held until one RTT after the accept, then delayed one way. Asserted on
 * what the proxy did (held, forwarded, its schedule), not on how long anything took.
 */
class TcpProxyTest {

    private static final byte[] HELLO = {1, 2, 3, 4, 5};

    @Test
    void aChargedHandshakeHoldsTheFirstBytesThatAFreeOneForwardsAtOnce() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
                TcpProxy proxy = TcpProxy.start((java.net.InetSocketAddress) target.getLocalSocketAddress())) {
            // No one-way delay, a one-hour return path: only the handshake's charge can hold bytes.
            proxy.setDelay(Duration.ZERO, Duration.ofHours(1), true);
            try (Socket held = new Socket()) {
                held.connect(proxy.address(), 5000);
                held.getOutputStream().write(HELLO);
                awaitRead(proxy, HELLO.length);
                assertEquals(0, proxy.delivered(true), "bytes crossed before the handshake's round trip");
                TcpProxy.Trace t = proxy.traces().get(0);
                assertEquals(0, t.firstUpForwardedAt());
                assertEquals(TimeUnit.HOURS.toNanos(1), t.upHeldUntil - t.acceptedAt);
            }
            // The same path with a free connect forwards at once: the first assertion could fail.
            proxy.setDelay(Duration.ZERO, Duration.ofHours(1), false);
            try (Socket free = new Socket()) {
                free.connect(proxy.address(), 5000);
                free.getOutputStream().write(HELLO);
                try (Socket atTarget = acceptAfter(target, 1)) {
                    assertArrayEquals(HELLO, atTarget.getInputStream().readNBytes(HELLO.length));
                }
            }
        }
    }

    @Test
    void theFirstByteArrivesNoEarlierThanOneAndAHalfRoundTripsAfterTheConnect() throws Exception {
        Duration oneWay = Duration.ofMillis(20);
        try (ServerSocket target = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
                TcpProxy proxy = TcpProxy.start((java.net.InetSocketAddress) target.getLocalSocketAddress())) {
            proxy.setDelay(oneWay, oneWay, true);
            try (Socket client = new Socket()) {
                client.connect(proxy.address(), 5000);
                client.getOutputStream().write(HELLO);
                try (Socket atTarget = target.accept()) {
                    InputStream in = atTarget.getInputStream();
                    assertArrayEquals(HELLO, in.readNBytes(HELLO.length));
                    // The target's answer comes back: the path still works both ways.
                    atTarget.getOutputStream().write(9);
                    assertEquals(9, client.getInputStream().read());
                }
            }
            TcpProxy.Trace t = proxy.traces().get(0);
            // A lower bound that follows from the schedule: a slow machine only makes it larger.
            assertTrue(t.firstUpForwardedAt() - t.acceptedAt >= 3 * oneWay.toNanos(),
                    "first byte forwarded " + (t.firstUpForwardedAt() - t.acceptedAt) + " ns after the accept");
            assertEquals(2 * oneWay.toNanos(), t.upHeldUntil - t.acceptedAt);
            assertEquals(3 * oneWay.toNanos(), t.downHeldUntil - t.acceptedAt);
        }
    }

    private static void awaitRead(TcpProxy proxy, long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (proxy.readFromClients() < bytes) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the proxy read " + proxy.readFromClients() + " of " + bytes + " bytes");
            }
            Thread.sleep(1); // polling a counter for a condition
        }
    }

    /** The target's side of the {@code n}-th connection (earlier ones are closed). */
    private static Socket acceptAfter(ServerSocket target, int earlier) throws IOException {
        for (int i = 0; i < earlier; i++) {
            target.accept().close();
        }
        return target.accept();
    }
}
