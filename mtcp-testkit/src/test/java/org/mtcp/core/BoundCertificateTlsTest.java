package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import javax.net.ssl.SSLSocket;
import org.mtcp.core.internal.cert.Certificate;
import org.mtcp.core.internal.cert.ChannelBinding;
import org.mtcp.core.internal.cert.ClientKey;
import org.mtcp.core.internal.cert.MigrationProof;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.Frame.ProofBinding;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.core.internal.server.TlsServicePort;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TestPki;
import org.mtcp.testkit.TransformApp;

/**
 * Migration proofs bound to the new link's TLS session (the exporter, RFC 8446 section 7.5), end to
 * end through server s2's own handshake code: the test runs a TLS 1.3 service port for s2
 * ({@link TlsServicePort}), as the kit has no TLS mode yet; the client side is a raw TLS link playing the client (with its real certificate
 * and key) or a thief.
 */
@Timeout(60)
class BoundCertificateTlsTest {

    static final TestPki PKI = TestPki.create("pool");

    LoopbackPool pool;
    TlsServicePort tlsPort;
    TlsConfig clientTls;

    @BeforeEach
    void start() throws Exception {
        pool = LoopbackPool.start(3);
        pool.serve(new TransformApp(16));
        tlsPort = TlsServicePort.start(pool.server("s2"),
                TlsConfig.of(PKI.issue("s2").keyStore(), TestPki.PASSWORD, PKI.trustStore()));
        clientTls = TlsConfig.of(null, null, PKI.trustStore());
    }

    @AfterEach
    void stop() throws IOException {
        tlsPort.close();
        pool.close();
    }

    /** A TLS 1.3 link to s2's TLS port, handshake done (the server's certificate checked). */
    SSLSocket tlsLink() throws IOException {
        SSLSocket s = clientTls.client(new Socket(InetAddress.getLoopbackAddress(), tlsPort.port()),
                "127.0.0.1", tlsPort.port());
        s.setSoTimeout(10_000);
        s.startHandshake();
        assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
        return s;
    }

    static FrameReader<Frame> send(Socket link, Frame.Hello hello) throws IOException {
        link.getOutputStream().write(FrameEncoder.encode(hello));
        return new FrameReader<>(link.getInputStream(), new FrameDecoder(1 << 20));
    }

    static Frame resetOrWelcome(FrameReader<Frame> reader) throws IOException {
        while (true) {
            Frame f = reader.read();
            if (f == null || f instanceof Frame.Reset || f instanceof Frame.Welcome) {
                return f;
            }
        }
    }

    static Frame.Hello migrateHello(MtcpSocket s, byte[] cert, long position) {
        return new Frame.Hello(Wire.SERVICE_VERSION, Frame.HelloKind.MIGRATE, 1 << 20, position, 1 << 20, 1000,
                s.id(), 0, cert, position);
    }

    static Frame.Reset refusal(Frame f) {
        assertThat(f).isInstanceOf(Frame.Reset.class);
        Frame.Reset r = (Frame.Reset) f;
        assertThat(r.code()).isEqualTo(ResetCode.BAD_PROOF);
        return r;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theRightfulClientMigratesOverTlsWithAProofBoundToTheNewSession() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults().withFailover(false))) {
            s.getOutputStream().write(ascii("abc"));
            assertThat(s.getInputStream().readNBytes(3)).isEqualTo(TransformApp.expected(ascii("abc")));
            byte[] cert = s.connection().certificate();
            ClientKey key = s.connection().clientKey();

            try (SSLSocket link = tlsLink()) {
                ChannelBinding binding = ChannelBinding.forLink(link, "s2", cert);
                assertThat(binding.kind()).isEqualTo(ChannelBinding.exporterAvailable()
                        ? ProofBinding.TLS_EXPORTER : ProofBinding.SERVER_NAME);
                FrameReader<Frame> reader = send(link, migrateHello(s, cert, 3)
                        .withProof(MigrationProof.sign(key, cert, binding)));
                Frame f = resetOrWelcome(reader);
                assertThat(f).isInstanceOf(Frame.Welcome.class);
                Frame.Welcome w = (Frame.Welcome) f;
                assertThat(w.server()).isEqualTo("s2");
                assertThat(w.epoch()).isEqualTo(1);
                assertThat(w.received()).isEqualTo(3);
                assertThat(Certificate.decode(w.certificate()).clientKey()).isEqualTo(key.publicKey());

                // The stream goes on inside TLS, exactly once: the answer to "de" is the app's.
                link.getOutputStream().write(FrameEncoder.encode(new Frame.Data(3, ascii("de"))));
                byte[] expected = Arrays.copyOfRange(TransformApp.expected(ascii("abcde")), 3, 5);
                assertThat(readStream(reader, 3, 2)).isEqualTo(expected);
            }
        }
    }

    /** {@code n} stream bytes from offset {@code from}, skipping other frames and bytes below it. */
    static byte[] readStream(FrameReader<Frame> reader, long from, int n) throws IOException {
        byte[] got = new byte[n];
        long position = from;
        while (position < from + n) {
            Frame f = reader.read();
            assertThat(f).as("the stream before %d bytes", n).isNotNull();
            if (f instanceof Frame.Data d && d.end() > position) {
                int skip = (int) (position - d.offset());
                assertThat(skip).as("no gap").isGreaterThanOrEqualTo(0);
                int take = (int) Math.min(d.payload().length - skip, from + n - position);
                System.arraycopy(d.payload(), skip, got, (int) (position - from), take);
                position += take;
            }
        }
        return got;
    }

    @Test
    void aProofMadeForOneTlsSessionOrByAnotherKeyIsRefusedAndTheClientKeepsWorking() throws Exception {
        assumeTrue(ChannelBinding.exporterAvailable(), "this JDK exports no TLS keying material (JDK 25 does)");
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
            s.getOutputStream().write(ascii("abc"));
            assertThat(s.getInputStream().readNBytes(3)).isEqualTo(TransformApp.expected(ascii("abc")));
            byte[] cert = s.connection().certificate();
            ClientKey key = s.connection().clientKey();

            // The rightful client's proof for session A, presented on session B (say, by whoever
            // terminated A): the exporter values differ.
            try (SSLSocket a = tlsLink(); SSLSocket b = tlsLink()) {
                Frame.Proof forA = MigrationProof.sign(key, cert, ChannelBinding.forLink(a, "s2", cert));
                assertThat(forA.binding()).isEqualTo(ProofBinding.TLS_EXPORTER);
                Frame.Reset r = refusal(resetOrWelcome(send(b, migrateHello(s, cert, 3).withProof(forA))));
                assertThat(r.message()).contains("does not verify").contains("made for another TLS session");
            }
            // A thief with the certificate, on its own TLS session with its own key.
            try (SSLSocket t = tlsLink()) {
                ClientKey thief = ClientKey.generate();
                Frame.Reset r = refusal(resetOrWelcome(send(t, migrateHello(s, cert, 3)
                        .withProof(MigrationProof.sign(thief, cert, ChannelBinding.forLink(t, "s2", cert))))));
                assertThat(r.message()).contains("issued to another client");
            }
            // A thief who claims no TLS binding gets the server-name check, with the same result.
            try (SSLSocket t = tlsLink()) {
                Frame.Proof byName = MigrationProof.sign(ClientKey.generate(), cert,
                        ChannelBinding.forLink(new Socket(), "s2", cert));
                assertThat(byName.binding()).isEqualTo(ProofBinding.SERVER_NAME);
                refusal(resetOrWelcome(send(t, migrateHello(s, cert, 3).withProof(byName))));
            }

            assertThat(s.currentServer()).isEqualTo("s1");
            assertThat(pool.server("s1").stats().migratedOut()).isZero();
            s.getOutputStream().write(ascii("de"));
            assertThat(s.getInputStream().readNBytes(2))
                    .isEqualTo(Arrays.copyOfRange(TransformApp.expected(ascii("abcde")), 3, 5));
            assertThat(s.migrate("s2").succeeded()).isTrue();
            s.getOutputStream().write(ascii("f"));
            assertThat(s.getInputStream().readNBytes(1))
                    .isEqualTo(Arrays.copyOfRange(TransformApp.expected(ascii("abcdef")), 5, 6));
        }
    }
}
