package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.internal.cert.Certificate;
import org.mtcp.core.internal.cert.ChannelBinding;
import org.mtcp.core.internal.cert.ClientKey;
import org.mtcp.core.internal.cert.MigrationProof;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TransformApp;

/**
 * Certificates bound to their client in a pool whose every link is TLS 1.3: the client migrates
 * with proofs bound to each new TLS session (the exporter, RFC 8446 section 7.5); a thief on its
 * own TLS link with the client's certificate is refused, and so is the client's own proof made
 * for another TLS session. The client's connection carries on, exactly once.
 */
@Timeout(60)
class BoundCertificateTlsTest {

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A raw TLS 1.3 link to {@code server}'s service port, handshake done. */
    static SSLSocket tlsLink(LoopbackPool pool, String server) throws IOException {
        InetSocketAddress a = pool.serviceAddress(server);
        SSLSocket s = pool.clientOptions().tls().client(new Socket(InetAddress.getLoopbackAddress(), a.getPort()),
                "127.0.0.1", a.getPort());
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    /** The RESET bad-proof {@code hello} gets on {@code link}. */
    static Frame.Reset badProof(Socket link, Frame.Hello hello) throws IOException {
        link.getOutputStream().write(FrameEncoder.encode(hello));
        FrameReader<Frame> reader = new FrameReader<>(link.getInputStream(), new FrameDecoder(1 << 20));
        Frame f;
        do {
            f = reader.read();
        } while (f != null && !(f instanceof Frame.Reset) && !(f instanceof Frame.Welcome));
        assertThat(f).isInstanceOf(Frame.Reset.class);
        Frame.Reset r = (Frame.Reset) f;
        assertThat(r.code()).isEqualTo(ResetCode.BAD_PROOF);
        return r;
    }

    @Test
    void aStolenCertificateIsUselessOverTlsAndTheClientMigratesWithSessionBoundProofs() throws Exception {
        try (LoopbackPool pool = LoopbackPool.startTls(3, ServerOptions.defaults())) {
            pool.serve(new TransformApp(16));
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), pool.clientOptions())) {
                byte[] sent = ascii("over tls");
                s.getOutputStream().write(sent);
                assertThat(s.getInputStream().readNBytes(sent.length)).isEqualTo(TransformApp.expected(sent));
                byte[] cert = s.connection().certificate();
                Frame.Hello hello = new Frame.Hello(Wire.SERVICE_VERSION, Frame.HelloKind.MIGRATE, 1 << 20,
                        sent.length, 1 << 20, 1000, s.id(), 0, cert, sent.length);

                try (SSLSocket thiefLink = tlsLink(pool, "s2")) {
                    ChannelBinding b = ChannelBinding.forLink(thiefLink, "s2", cert);
                    assertThat(b.kind()).isEqualTo(Frame.ProofBinding.TLS_EXPORTER);
                    assertThat(badProof(thiefLink, hello.withProof(MigrationProof.sign(ClientKey.generate(), cert, b)))
                            .message()).contains("issued to another client");
                }
                // The client's own proof for session A (say, leaked by whoever terminated A), on session B.
                try (SSLSocket a = tlsLink(pool, "s3"); SSLSocket b = tlsLink(pool, "s3")) {
                    Frame.Proof forA = MigrationProof.sign(s.connection().clientKey(), cert,
                            ChannelBinding.forLink(a, "s3", cert));
                    assertThat(badProof(b, hello.withProof(forA)).message()).contains("another TLS session");
                }
                // A thief claiming the server-name binding on a TLS link: checked against the name, refused.
                try (SSLSocket t = tlsLink(pool, "s2")) {
                    Frame.Proof byName = MigrationProof.sign(ClientKey.generate(), cert,
                            ChannelBinding.forLink(new Socket(), "s2", cert));
                    assertThat(byName.binding()).isEqualTo(Frame.ProofBinding.SERVER_NAME);
                    assertThat(badProof(t, hello.withProof(byName)).message()).contains("issued to another client");
                }
                assertThat(pool.server("s1").stats().migratedOut()).isZero();

                assertThat(s.currentServer()).isEqualTo("s1");
                for (String target : new String[] {"s2", "s3", "s1"}) {
                    assertThat(s.migrate(target).succeeded()).isTrue();
                    assertThat(Certificate.decode(s.connection().certificate()).clientKey())
                            .isEqualTo(s.connection().clientKey().publicKey());
                    byte[] more = ascii(" at " + target);
                    byte[] all = Arrays.copyOf(sent, sent.length + more.length);
                    System.arraycopy(more, 0, all, sent.length, more.length);
                    s.getOutputStream().write(more);
                    assertThat(s.getInputStream().readNBytes(more.length))
                            .isEqualTo(Arrays.copyOfRange(TransformApp.expected(all), sent.length, all.length));
                    sent = all;
                }
            }
            assertThat(pool.appFailures()).isEmpty();
        }
    }
}
