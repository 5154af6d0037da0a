package org.mtcp.core.internal.cert;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.Frame.ProofBinding;

class MigrationProofTest {

    static final byte[] CERT = {1, 2, 3, 4, 5};

    @Test
    void theSignedBytesAreLabelBindingKindCertificateAndBindingValue() throws IOException {
        ChannelBinding binding = new ChannelBinding(ProofBinding.TLS_EXPORTER, new byte[] {9, 8, 7});
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(expected);
        byte[] label = "mtcp/v5 migration proof".getBytes(StandardCharsets.UTF_8);
        out.writeShort(label.length);
        out.write(label);
        out.writeByte(1); // TLS_EXPORTER
        out.writeShort(CERT.length);
        out.write(CERT);
        out.writeShort(3);
        out.write(new byte[] {9, 8, 7});
        assertThat(MigrationProof.signedBytes(CERT, binding)).isEqualTo(expected.toByteArray());

        byte[] byName = MigrationProof.signedBytes(CERT, ChannelBinding.serverName("s2"));
        assertThat(byName[2 + label.length]).isZero(); // SERVER_NAME
        assertThat(new String(byName, byName.length - 2, 2, StandardCharsets.UTF_8)).isEqualTo("s2");
    }

    @Test
    void aProofVerifiesOnlyForItsKeyCertificateAndBinding() {
        ClientKey key = ClientKey.generate();
        ClientKey thief = ClientKey.generate();
        ChannelBinding s2 = ChannelBinding.serverName("s2");
        Frame.Proof proof = MigrationProof.sign(key, CERT, s2);
        assertThat(proof.signature()).hasSize(ClientKey.SIGNATURE_BYTES);
        assertThat(key.publicKey()).hasSize(ClientKey.PUBLIC_KEY_BYTES);

        assertThat(MigrationProof.verify(key.publicKey(), CERT, s2, proof)).isTrue();
        // Another client's key, another certificate, another server, another kind of binding.
        assertThat(MigrationProof.verify(thief.publicKey(), CERT, s2, proof)).isFalse();
        assertThat(MigrationProof.verify(key.publicKey(), new byte[] {1, 2, 3, 4, 6}, s2, proof)).isFalse();
        assertThat(MigrationProof.verify(key.publicKey(), CERT, ChannelBinding.serverName("s3"), proof)).isFalse();
        assertThat(MigrationProof.verify(key.publicKey(), CERT,
                new ChannelBinding(ProofBinding.TLS_EXPORTER, "s2".getBytes(StandardCharsets.UTF_8)), proof)).isFalse();
        // The thief's own proof for the rightful certificate.
        assertThat(MigrationProof.verify(key.publicKey(), CERT, s2, MigrationProof.sign(thief, CERT, s2))).isFalse();
        // Every bit of the signature counts; malformed keys and signatures are refused, not thrown.
        for (int i = 0; i < proof.signature().length; i += 7) {
            byte[] sig = proof.signature().clone();
            sig[i] ^= 0x10;
            assertThat(MigrationProof.verify(key.publicKey(), CERT, s2, new Frame.Proof(ProofBinding.SERVER_NAME, sig)))
                    .as("bit flipped in byte %d", i).isFalse();
        }
        assertThat(ClientKey.verify(new byte[31], new byte[1], proof.signature())).isFalse();
        assertThat(ClientKey.verify(key.publicKey(), new byte[1], new byte[63])).isFalse();
    }

    @Test
    void withoutTlsTheBindingIsTheServerName() throws IOException {
        try (Socket plain = new Socket()) {
            ChannelBinding b = ChannelBinding.forLink(plain, "s2", CERT);
            assertThat(b).isEqualTo(ChannelBinding.serverName("s2"));
            assertThat(ChannelBinding.expected(ProofBinding.SERVER_NAME, plain, "s2", CERT)).isEqualTo(b);
            // An exporter claimed on a link without one cannot be checked.
            assertThat(ChannelBinding.expected(ProofBinding.TLS_EXPORTER, plain, "s2", CERT)).isNull();
        }
    }

    @Test
    void aBoundCertificateSignsTheKeyAndRoundTrips() throws Exception {
        CertificateAuthority ca = new CertificateAuthority(CertificateAuthorityTest.SECRET, Duration.ofMinutes(1),
                Clock.systemUTC());
        ConnectionId id = new ConnectionId(7, 8);
        byte[] key = ClientKey.generate().publicKey();
        byte[] bound = ca.issue(id, 2, "s1", key).encode();
        Certificate c = ca.verify(bound, id, 2);
        assertThat(c.bound()).isTrue();
        assertThat(c.clientKey()).isEqualTo(key);
        assertThat(bound[0]).isEqualTo((byte) Certificate.BOUND_VERSION);
        assertThat(bound).hasSize(ca.issue(id, 2, "s1").encode().length + ClientKey.PUBLIC_KEY_BYTES);
        assertThat(ca.verify(ca.issue(id, 2, "s1").encode(), id, 2).bound()).isFalse();
    }
}
