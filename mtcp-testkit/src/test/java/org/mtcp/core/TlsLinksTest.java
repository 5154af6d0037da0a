package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.internal.cert.Hmac;
import org.mtcp.core.internal.control.ControlClient;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.core.transfer.TransferException;
import org.mtcp.testkit.Bytes;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TcpProxy;
import org.mtcp.testkit.TestPki;
import org.mtcp.testkit.TransformApp;

/**
 * TLS on every link, end to end over real loopback sockets: migrations (new TLS session per
 * link, standby links), failover after a TLS record cut mid-way, and the attacks of issue 16,
 * each refused with a clear reason while an established connection keeps working.
 */
@Timeout(60)
class TlsLinksTest {

    static final ClientOptions QUICK = ClientOptions.defaults().withConnectTimeout(Duration.ofSeconds(2));

    /** A connection whose every exchange is checked against what {@link TransformApp} must answer. */
    static final class Session implements AutoCloseable {
        final MtcpSocket socket;
        private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        private int read;

        Session(MtcpSocket socket) {
            this.socket = socket;
        }

        /** Sends {@code text}, reads its answer, checks it: the connection works, exactly once. */
        void roundTrip(String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.US_ASCII);
            socket.getOutputStream().write(b);
            sent.write(b);
            byte[] got = socket.getInputStream().readNBytes(b.length);
            byte[] all = TransformApp.expected(sent.toByteArray());
            assertThat(got).isEqualTo(Arrays.copyOfRange(all, read, read + b.length));
            read += b.length;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static Session open(LoopbackPool pool) throws IOException {
        Session s = new Session(MtcpSocket.connect(pool.serviceAddresses(), pool.clientOptions(QUICK)));
        s.roundTrip("established");
        return s;
    }

    // ------------------------------------------------------------------ working links

    @Test
    void migrationsOpenANewTlsSessionToEachHolder() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(3, ServerOptions.defaults())) {
            pool.serve(new TransformApp(64));
            try (Session s = open(pool)) {
                for (String target : List.of("s2", "s3", "s1", "s3")) {
                    MigrationEvent e = s.socket.migrate(target);
                    assertThat(e.succeeded()).as("%s", e).isTrue();
                    assertThat(s.socket.currentServer()).isEqualTo(target);
                    s.roundTrip("on " + target);
                }
            }
            assertThat(pool.appFailures()).isEmpty();
        }
    }

    @Test
    void aStandbyLinkIsTlsAndAMigrationOverItWorks() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(2, ServerOptions.defaults())) {
            pool.serve(new TransformApp(64));
            try (Session s = new Session(MtcpSocket.connect(List.of(pool.serviceAddress("s1")),
                    pool.clientOptions(QUICK.withStandby(true))))) {
                s.roundTrip("before");
                await("standby link at s2").atMost(Duration.ofSeconds(10))
                        .until(() -> pool.server("s2").stats().standbyLinks() == 1);
                assertThat(s.socket.migrate("s2").succeeded()).isTrue();
                assertThat(pool.server("s2").stats().migratedInOnStandby()).isEqualTo(1);
                s.roundTrip("after");
            }
        }
    }

    @Test
    void aCrashedHolderIsReplacedByItsReplicaOverTls() throws Exception {
        ServerOptions replicated = ServerOptions.defaults().withControlTimeout(Duration.ofMillis(500))
                .withKeepaliveInterval(Duration.ofMillis(100)).withStateTransfer(StateTransfer.replicated(1));
        try (LoopbackPool pool = LoopbackPool.startTls(3, replicated)) {
            pool.serve(new TransformApp(16 * 1024));
            try (Session s = open(pool)) {
                s.roundTrip("state pushed to a replica over mutual TLS");
                String holder = s.socket.currentServer();
                pool.crash(holder);
                s.roundTrip("after the crash");
                assertThat(s.socket.currentServer()).isNotEqualTo(holder);
                assertThat(pool.server(s.socket.currentServer()).stats().migratedInFromReplica()).isEqualTo(1);
            }
        }
    }

    @Test
    void aTlsRecordCutMidWayIsRecoveredByFailoverWithNoByteLostOrDuplicated() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(2, ServerOptions.defaults());
                TcpProxy path = TcpProxy.start(pool.serviceAddress("s1"))) {
            pool.serve(new TransformApp(4096));
            pool.routeServiceVia("s1", path.address());
            try (Session other = new Session(MtcpSocket.connect(List.of(pool.serviceAddress("s2")), pool.clientOptions(QUICK)));
                    MtcpSocket s = MtcpSocket.connect(List.of(path.address()), pool.clientOptions(QUICK))) {
                other.roundTrip("bystander");
                byte[] input = new byte[400_000];
                new Random(7).nextBytes(input);
                byte[] expected = TransformApp.expected(input);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                // The first 100,000 bytes there and back: nothing of them is still on the path.
                out.write(input, 0, 100_000);
                assertThat(in.readNBytes(100_000)).isEqualTo(Arrays.copyOf(expected, 100_000));
                CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
                    try {
                        return in.readAllBytes();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                // Let s1 see a few more bytes only: the client's next TLS record (up to 16 KiB)
                // stops part way; then the path dies with the record cut.
                long limit = path.delivered(true) + 1_001;
                path.setForwardLimit(limit, Long.MAX_VALUE);
                out.write(input, 100_000, 50_000);
                await("part of a record delivered").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                        .until(() -> path.delivered(true) >= limit);
                path.setForwardLimit(Long.MAX_VALUE, Long.MAX_VALUE);
                path.closeAll();
                out.write(input, 150_000, input.length - 150_000);
                s.shutdownOutput();
                Bytes.assertSameBytes(reader.get(30, TimeUnit.SECONDS), Arrays.copyOfRange(expected, 100_000, input.length));
                assertThat(s.migrations()).isGreaterThanOrEqualTo(1);
                other.roundTrip("still here");
            }
            assertThat(pool.appFailures()).isEmpty();
        }
    }

    /**
     * A TLS peer that stops reading while its holder streams to it: the holder's sender blocks in
     * a TLS write, and closing that link must still work (the JDK's TLS close waits for the
     * writer's lock): the silent link is cut, the orphan expires, the server serves on.
     */
    @Test
    void aTlsClientThatStopsReadingMidStreamDoesNotWedgeItsHolder() throws Exception {
        ServerOptions quick = ServerOptions.defaults().withKeepaliveInterval(Duration.ofMillis(100))
                .withMissedKeepalives(3).withOrphanTimeout(Duration.ofMillis(300));
        try (LoopbackPool pool = LoopbackPool.startTls(1, quick)) {
            pool.serve(c -> {
                byte[] chunk = new byte[64 * 1024];
                try (c) {
                    for (int i = 0; i < 4096; i++) { // 256 MiB: far more than any socket buffers
                        c.getOutputStream().write(chunk);
                    }
                } catch (IOException e) {
                    // expected: the connection is reset once its client is found gone
                }
            });
            InetSocketAddress a = pool.serviceAddress("s1");
            try (java.net.Socket raw = new java.net.Socket(a.getAddress(), a.getPort());
                    SSLSocket stuck = pool.clientOptions().tls().client(raw, "127.0.0.1", a.getPort())) {
                stuck.startHandshake();
                // A new connection that lets the server send 1 GiB, keepalive 100 ms, then silence.
                stuck.getOutputStream().write(org.mtcp.core.internal.wire.FrameEncoder.encode(
                        org.mtcp.core.internal.wire.Frame.Hello.newConnection(1 << 20, 1L << 30, 100)));
                await("the connection held").atMost(Duration.ofSeconds(10)).until(() -> pool.server("s1").stats().open() == 1);
                assertThat(serverEndClosed(a.getPort(), raw.getLocalPort())).as("the server's socket, open").isFalse();
                await("the silent client's orphan reset").atMost(Duration.ofSeconds(20))
                        .until(() -> pool.server("s1").stats().open() == 0);
                // The server closed its socket although its sender is stuck in a TLS write: the
                // kernel shows the server's end without a file (inode 0: orphaned, or gone).
                int serverPort = a.getPort();
                int clientPort = raw.getLocalPort();
                await("the server's socket closed").atMost(Duration.ofSeconds(20))
                        .until(() -> serverEndClosed(serverPort, clientPort));
                try (Session s = new Session(MtcpSocket.connect(pool.serviceAddresses(), pool.clientOptions(QUICK)))) {
                    assertThat(s.socket.getInputStream().readNBytes(100_000)).hasSize(100_000);
                }
            }
        }
    }

    /** Whether the kernel's socket for local port {@code local}, peer port {@code remote}, has no file any more. */
    static boolean serverEndClosed(int local, int remote) throws IOException {
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            java.nio.file.Path p = java.nio.file.Path.of(table);
            if (!java.nio.file.Files.exists(p)) {
                continue;
            }
            for (String line : java.nio.file.Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(String.format(":%04X", local)) && f[2].endsWith(String.format(":%04X", remote))) {
                    return "0".equals(f[9]);
                }
            }
        }
        return true; // not listed at all: closed and gone
    }

    // ------------------------------------------------------------------ attacks on the service port

    @Test
    void aPlaintextClientOnTheTlsPortIsToldWhyAndOthersKeepWorking() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(2, ServerOptions.defaults())) {
            pool.serve(new TransformApp(64));
            try (Session s = open(pool)) {
                assertThatThrownBy(() -> MtcpSocket.connect(pool.serviceAddresses(), QUICK.withPlaintext()))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("speaks TLS 1.3 only");
                s.roundTrip("after the plaintext client");
            }
        }
    }

    @Test
    void silentAndHalfHandshakenPeersDelayNobody() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(1, ServerOptions.defaults().withHandshakeTimeout(Duration.ofSeconds(30)))) {
            pool.serve(new TransformApp(64));
            InetSocketAddress a = pool.serviceAddress("s1");
            try (java.net.Socket silent = new java.net.Socket(a.getAddress(), a.getPort());
                    java.net.Socket halfHello = new java.net.Socket(a.getAddress(), a.getPort())) {
                // A TLS record header announcing a ClientHello that never comes.
                halfHello.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
                // Both hold a handshake for up to 30 s; new clients are served meanwhile.
                try (Session s = open(pool)) {
                    s.roundTrip("served while two peers stall");
                }
            }
        }
    }

    @Test
    void aTlsClientOfAPlaintextServerSaysSo() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(1, ServerOptions.defaults().withPlaintext())) {
            pool.serve(new TransformApp(64));
            TlsConfig tls = TlsConfig.of(null, null, TestPki.create("any").trustStore());
            assertThatThrownBy(() -> MtcpSocket.connect(pool.serviceAddresses(), QUICK.withTls(tls)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("does not speak TLS");
        }
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefusedByTheClient() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(2, ServerOptions.defaults())) {
            pool.serve(new TransformApp(64));
            try (Session s = open(pool)) {
                TlsConfig trustsAnotherCa = TlsConfig.of(null, null, TestPki.create("another").trustStore());
                assertThatThrownBy(() -> MtcpSocket.connect(pool.serviceAddresses(), QUICK.withTls(trustsAnotherCa)))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("not issued by a trusted anchor");
                s.roundTrip("after the refused client");
            }
        }
    }

    @Test
    void anExpiredServerCertificateIsRefusedByTheClient() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(1, ServerOptions.defaults())) {
            pool.serve(new TransformApp(64));
            TestPki pki = pool.pki();
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
            ServerOptions expired = ServerOptions.defaults().withTls(
                    TlsConfig.of(pki.issueExpired("stale").keyStore(), TestPki.PASSWORD, pki.trustStore()));
            try (Session s = open(pool);
                    MtcpServer stale = MtcpServer.start(new PoolConfig(secret, List.of(new PoolMember("stale", any, any))),
                            "stale", expired)) {
                assertThatThrownBy(() -> MtcpSocket.connect(List.of(stale.serviceAddress()), pool.clientOptions(QUICK)))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("certificate has expired");
                s.roundTrip("after the expired server");
            }
        }
    }

    @Test
    void aClientOfferingOnlyTls12IsRefused() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(1, ServerOptions.defaults())) {
            pool.serve(new TransformApp(64));
            try (Session s = open(pool)) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(pool.pki().trustStore());
                SSLContext tls12 = SSLContext.getInstance("TLS");
                tls12.init(null, tmf.getTrustManagers(), null);
                InetSocketAddress a = pool.serviceAddress("s1");
                try (SSLSocket downgrade = (SSLSocket) tls12.getSocketFactory().createSocket(a.getAddress(), a.getPort())) {
                    downgrade.setEnabledProtocols(new String[] {"TLSv1.2"});
                    downgrade.setSoTimeout(5_000);
                    assertThatThrownBy(downgrade::startHandshake)
                            .isInstanceOf(SSLException.class)
                            .hasMessageContaining("protocol_version");
                }
                s.roundTrip("after the downgrade attempt");
            }
        }
    }

    // ------------------------------------------------------------------ attacks on the control plane

    @Test
    void aServerNotTrustedByThePoolIsRefusedOnTheControlPort() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(2, ServerOptions.defaults())) {
            pool.serve(new TransformApp(64));
            try (Session s = open(pool)) {
                String holder = s.socket.currentServer();
                String other = holder.equals("s1") ? "s2" : "s1";
                // It even knows the pool secret and trusts the pool's CA; its own certificate,
                // naming the member it claims, comes from another CA (the JDK then presents none:
                // the holder asks for certificates of the pool's CA; either way it is refused).
                TlsConfig untrusted = TlsConfig.of(TestPki.create("rogue").issue(other).keyStore(), TestPki.PASSWORD,
                        pool.pki().trustStore());
                org.mtcp.core.internal.cert.KeyRing key = org.mtcp.core.internal.cert.KeyRing.single(Hmac.derive(pool.secret(), Hmac.CONTROL_KEY));
                try (ControlClient rogue = new ControlClient(key, other, 2000, 1 << 24, untrusted)) {
                    assertThatThrownBy(() -> rogue.fetch(pool.pool().member(holder).orElseThrow(), s.socket.id(), 0, 1))
                            .isInstanceOf(TransferException.class)
                            .hasMessageContaining(holder)
                            .hasMessageContaining("TLS certificate");
                }
                s.roundTrip("untouched");
                assertThat(s.socket.migrate(other).succeeded()).as("members still fetch from each other").isTrue();
                s.roundTrip("after a real migration");
            }
        }
    }

    @Test
    void aControlPeerAnsweringForAnotherMemberIsRefusedByItsCertificate() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(3, ServerOptions.defaults())) {
            pool.serve(new TransformApp(64));
            try (Session s = new Session(MtcpSocket.connect(List.of(pool.serviceAddress("s2")), pool.clientOptions(QUICK)))) {
                s.roundTrip("on s2");
                // The pool now sends s2's control traffic to s3 (a wrong pool file, a hijacked
                // address): s3's certificate does not name s2, so s1 will not fetch from it.
                pool.routeControlVia("s2", pool.server("s3").controlAddress());
                MigrationEvent e = s.socket.migrate("s1");
                assertThat(e.succeeded()).isFalse();
                assertThat(e.error()).contains("does not name member s2");
                assertThat(s.socket.currentServer()).isEqualTo("s2");
                s.roundTrip("still on s2");
            }
        }
    }

    @Test
    void aCertificateOfOneMemberCannotSpeakAsAnother() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(3, ServerOptions.defaults())) {
            pool.serve(new TransformApp(64));
            try (Session s = new Session(MtcpSocket.connect(List.of(pool.serviceAddress("s1")), pool.clientOptions(QUICK)))) {
                s.roundTrip("on s1");
                // s3's genuine certificate (and the pool secret), claiming to be s2.
                org.mtcp.core.internal.cert.KeyRing key = org.mtcp.core.internal.cert.KeyRing.single(Hmac.derive(pool.secret(), Hmac.CONTROL_KEY));
                try (ControlClient s3AsS2 = new ControlClient(key, "s2", 2000, 1 << 24,
                        LoopbackPool.serverTls(pool.pki(), "s3"))) {
                    assertThatThrownBy(() -> s3AsS2.fetch(pool.pool().member("s1").orElseThrow(), s.socket.id(), 0, 1))
                            .isInstanceOf(TransferException.class)
                            .hasMessageContaining("does not name member s2");
                }
                s.roundTrip("untouched");
                assertThat(s.socket.migrate("s2").succeeded()).isTrue();
                s.roundTrip("on s2");
            }
        }
    }
}
