package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mtcp.testkit.Bytes.ascii;

import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.internal.cert.Certificate;
import org.mtcp.core.internal.cert.ChannelBinding;
import org.mtcp.core.internal.cert.ClientKey;
import org.mtcp.core.internal.cert.MigrationProof;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TransformApp;

/**
 * Certificates bound to their client (docs/protocol.md, section 3), on real sockets without TLS
 * (the proofs are bound to the target server's name; the TLS exporter binding is tested in
 * {@link BoundCertificateTlsTest}): a certificate taken from its client is refused
 * at every server, with a clear reason, and the client it belongs to keeps its connection and
 * migrates as before.
 */
@Timeout(60)
class CertificateBindingTest {

    LoopbackPool pool;

    @BeforeEach
    void start() throws IOException {
        pool = LoopbackPool.start(3);
        pool.serve(new TransformApp(16));
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    /** The first RESET or WELCOME a fresh raw link to {@code target} gets for {@code hello}. */
    Frame answer(String target, Frame.Hello hello) throws IOException {
        try (RawClient raw = new RawClient(pool.serviceAddress(target))) {
            return raw.send(hello).readUntilResetOrWelcome();
        }
    }

    static Frame.Reset reset(Frame f) {
        assertThat(f).isInstanceOf(Frame.Reset.class);
        return (Frame.Reset) f;
    }

    /** Writes {@code more}, reads its answer, and checks the whole answer so far is exactly the app's. */
    static byte[] exchange(MtcpSocket s, byte[] sent, String more) throws IOException {
        byte[] all = Arrays.copyOf(sent, sent.length + more.length());
        System.arraycopy(ascii(more), 0, all, sent.length, more.length());
        s.getOutputStream().write(ascii(more));
        byte[] got = s.getInputStream().readNBytes(more.length());
        byte[] expected = TransformApp.expected(all);
        assertThat(got).isEqualTo(Arrays.copyOfRange(expected, sent.length, all.length));
        return all;
    }

    @Test
    void aCertificateTakenFromItsClientIsRefusedEverywhereAndTheClientKeepsItsConnection() throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
            byte[] sent = exchange(s, new byte[0], "before the theft");
            byte[] stolen = s.connection().certificate();
            assertThat(Certificate.decode(stolen).clientKey()).isEqualTo(s.connection().clientKey().publicKey());

            // The thief signs with its own key: the certificate names another.
            ClientKey thief = ClientKey.generate();
            try (RawClient raw = new RawClient(pool.serviceAddress("s2"))) {
                Frame.Reset r = reset(raw.send(raw.signedMigrateHello(s.id(), 0, stolen, thief, "s2"))
                        .readUntilResetOrWelcome());
                assertThat(r.code()).isEqualTo(ResetCode.BAD_PROOF);
                assertThat(r.message()).contains("does not verify").contains("issued to another client");
            }
            // No proof at all (a HELLO of a version before 5): refused, not served as a bearer token.
            Frame.Reset noProof = reset(answer("s3", RawClient.migrateHello(s.id(), 0, stolen)));
            assertThat(noProof.code()).isEqualTo(ResetCode.BAD_PROOF);
            assertThat(noProof.message()).contains("bound to its client's key").contains("carries no proof");
            // A genuine proof of the rightful client, made for s3 (say, seen on the way there),
            // presented at s2: the proof names its server.
            try (RawClient raw = new RawClient(pool.serviceAddress("s2"))) {
                Frame.Proof forS3 = MigrationProof.sign(s.connection().clientKey(), stolen,
                        ChannelBinding.forLink(raw.socket, "s3", stolen));
                Frame.Reset r = reset(raw.send(RawClient.currentMigrateHello(s.id(), 0, stolen).withProof(forS3))
                        .readUntilResetOrWelcome());
                assertThat(r.code()).isEqualTo(ResetCode.BAD_PROOF);
                assertThat(r.message()).contains("proof was made for another server");
            }

            // Nothing changed: same holder and epoch, nothing fetched, the stream intact.
            assertThat(s.currentServer()).isEqualTo("s1");
            assertThat(s.connection().epoch()).isZero();
            assertThat(pool.server("s1").stats().migratedOut()).isZero();
            assertThat(pool.server("s2").stats().rejected()).isGreaterThanOrEqualTo(2);
            sent = exchange(s, sent, "after the attempts");

            // The rightful client migrates as before; every certificate stays bound to its key.
            for (String target : new String[] {"s2", "s3"}) {
                assertThat(s.migrate(target).succeeded()).isTrue();
                assertThat(s.currentServer()).isEqualTo(target);
                assertThat(Certificate.decode(s.connection().certificate()).clientKey())
                        .isEqualTo(s.connection().clientKey().publicKey());
                sent = exchange(s, sent, "at " + target);
            }
            // A thief with the current certificate fares no better at the old holder.
            try (RawClient raw = new RawClient(pool.serviceAddress("s1"))) {
                byte[] current = s.connection().certificate();
                assertThat(reset(raw.send(raw.signedMigrateHello(s.id(), 2, current, thief, "s1"))
                        .readUntilResetOrWelcome()).code()).isEqualTo(ResetCode.BAD_PROOF);
            }
            exchange(s, sent, "the end");
        }
    }

    @Test
    void aClientBeforeVersionFiveGetsABearerCertificateThatNoVersionFiveHelloMayPresent() throws Exception {
        try (RawClient old = new RawClient(pool.serviceAddress("s1"))) {
            Frame welcome = old.send(new Frame.Hello(Wire.ACKED_IN_HELLO_VERSION, Frame.HelloKind.NEW, 1 << 20, 0,
                    1 << 20, 60_000, null, 0, new byte[0])).readUntilResetOrWelcome();
            assertThat(welcome).isInstanceOf(Frame.Welcome.class);
            Frame.Welcome w = (Frame.Welcome) welcome;
            assertThat(Certificate.decode(w.certificate()).bound()).isFalse();

            // Its own migration, with a version-4 HELLO (no proof), is served as before.
            try (RawClient moved = new RawClient(pool.serviceAddress("s2"))) {
                Frame next = moved.send(new Frame.Hello(Wire.ACKED_IN_HELLO_VERSION, Frame.HelloKind.MIGRATE, 1 << 20,
                        0, 1 << 20, 60_000, w.id(), 0, w.certificate(), 0)).readUntilResetOrWelcome();
                assertThat(next).isInstanceOf(Frame.Welcome.class);
                Frame.Welcome w1 = (Frame.Welcome) next;
                assertThat(w1.epoch()).isEqualTo(1);
                assertThat(Certificate.decode(w1.certificate()).bound()).isFalse();

                // A version-5 HELLO must present a bound certificate, whatever it signs.
                try (RawClient raw = new RawClient(pool.serviceAddress("s3"))) {
                    Frame.Reset r = reset(raw.send(raw.signedMigrateHello(w.id(), 1, w1.certificate(),
                            ClientKey.generate(), "s3")).readUntilResetOrWelcome());
                    assertThat(r.code()).isEqualTo(ResetCode.BAD_PROOF);
                    assertThat(r.message()).contains("not bound to a client key");
                }
            }
        }
    }
}
