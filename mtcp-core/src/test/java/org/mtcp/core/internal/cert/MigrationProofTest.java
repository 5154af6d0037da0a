package org.mtcp.core.internal.cert;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.Frame.ProofBinding;
import org.mtcp.core.internal.wire.Wire;

class MigrationProofTest {

    static final byte[] CERT = {1, 2, 3, 4, 5};

    @Test
    void theProofIsHmacSha256UnderTheBindingKeyOfLabelBindingKindCertificateAndBindingValue() throws Exception {
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
        assertThat(MigrationProof.macInput(CERT, binding)).isEqualTo(expected.toByteArray());

        byte[] byName = MigrationProof.macInput(CERT, ChannelBinding.serverName("s2"));
        assertThat(byName[2 + label.length]).isZero(); // SERVER_NAME
        assertThat(new String(byName, byName.length - 2, 2, StandardCharsets.UTF_8)).isEqualTo("s2");

        // The proof is exactly the JDK's HMAC-SHA256 under K of those bytes.
        BindingKey key = BindingKey.generate();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.bytes(), "HmacSHA256"));
        Frame.Proof proof = MigrationProof.prove(key, CERT, binding);
        assertThat(proof.binding()).isEqualTo(ProofBinding.TLS_EXPORTER);
        assertThat(proof.mac()).hasSize(Wire.PROOF_MAC_BYTES).isEqualTo(mac.doFinal(expected.toByteArray()));
    }

    @Test
    void aProofVerifiesOnlyForItsKeyCertificateAndBinding() {
        BindingKey key = BindingKey.generate();
        BindingKey thief = BindingKey.generate();
        ChannelBinding s2 = ChannelBinding.serverName("s2");
        Frame.Proof proof = MigrationProof.prove(key, CERT, s2);

        assertThat(MigrationProof.verify(key, CERT, s2, proof)).isTrue();
        assertThat(MigrationProof.verify(BindingKey.of(key.bytes()), CERT, s2, proof)).isTrue();
        // Another key, another certificate, another server, another kind of binding.
        assertThat(MigrationProof.verify(thief, CERT, s2, proof)).isFalse();
        assertThat(MigrationProof.verify(key, new byte[] {1, 2, 3, 4, 6}, s2, proof)).isFalse();
        assertThat(MigrationProof.verify(key, CERT, ChannelBinding.serverName("s3"), proof)).isFalse();
        assertThat(MigrationProof.verify(key, CERT,
                new ChannelBinding(ProofBinding.TLS_EXPORTER, "s2".getBytes(StandardCharsets.UTF_8)), proof)).isFalse();
        assertThat(MigrationProof.verify(key, CERT, s2, new Frame.Proof(ProofBinding.TLS_EXPORTER, proof.mac())))
                .as("the claimed kind must be the binding's").isFalse();
        // A thief's own proof for the rightful certificate.
        assertThat(MigrationProof.verify(key, CERT, s2, MigrationProof.prove(thief, CERT, s2))).isFalse();
        // Every byte of the MAC counts; a short or empty MAC is refused, not thrown.
        for (int i = 0; i < proof.mac().length; i++) {
            byte[] m = proof.mac().clone();
            m[i] ^= 0x10;
            assertThat(MigrationProof.verify(key, CERT, s2, new Frame.Proof(ProofBinding.SERVER_NAME, m)))
                    .as("bit flipped in byte %d", i).isFalse();
        }
        assertThat(MigrationProof.verify(key, CERT, s2, new Frame.Proof(ProofBinding.SERVER_NAME,
                java.util.Arrays.copyOf(proof.mac(), 31)))).isFalse();
        assertThat(MigrationProof.verify(key, CERT, s2, new Frame.Proof(ProofBinding.SERVER_NAME, new byte[0]))).isFalse();
    }

    @Test
    void aBindingKeyNeverShowsItselfAndHasItsSize() {
        BindingKey key = BindingKey.of(new byte[] {
            0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
            0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a});
        assertThat(key.toString()).isEqualTo("binding key");
        assertThat(key.sameAs(BindingKey.of(key.bytes()))).isTrue();
        assertThat(key.sameAs(BindingKey.generate())).isFalse();
        assertThat(BindingKey.generate().bytes()).hasSize(BindingKey.BYTES).isNotEqualTo(BindingKey.generate().bytes());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BindingKey.of(new byte[31]))
                .hasMessageContaining("32 bytes, not 31");
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
    void aBoundCertificateSealsTheKeyFreshEachTimeAndUnsealsToIt() throws Exception {
        CertificateAuthority ca = new CertificateAuthority(CertificateAuthorityTest.SECRET, Duration.ofMinutes(1),
                Clock.systemUTC());
        ConnectionId id = new ConnectionId(7, 8);
        BindingKey key = BindingKey.generate();
        byte[] bound = ca.issue(id, 2, "s1", key).encode();
        Certificate c = ca.verify(bound, id, 2);
        assertThat(c.bound()).isTrue();
        assertThat(c.toString()).isEqualTo("certificate{" + id + ", epoch 2, holder s1, bound}");
        assertThat(ca.bindingKey(c).sameAs(key)).isTrue();
        assertThat(bound[0]).isEqualTo((byte) Certificate.BOUND_VERSION);
        assertThat(bound).hasSize(ca.issue(id, 2, "s1").encode().length + KeySeal.SEALED_BYTES);
        assertThat(indexOf(bound, key.bytes())).as("K is not in the clear").isEqualTo(-1);
        // A reissue reseals the same key under a fresh nonce.
        Certificate again = ca.verify(ca.issue(id, 2, "s1", key).encode(), id, 2);
        assertThat(again.sealedKey()).isNotEqualTo(c.sealedKey());
        assertThat(ca.bindingKey(again).sameAs(key)).isTrue();

        Certificate unbound = ca.verify(ca.issue(id, 2, "s1").encode(), id, 2);
        assertThat(unbound.bound()).isFalse();
        assertThat(ca.bindingKey(unbound)).isNull();
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
