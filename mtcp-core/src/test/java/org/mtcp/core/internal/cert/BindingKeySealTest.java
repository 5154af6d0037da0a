package org.mtcp.core.internal.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mtcp.core.internal.cert.SecretRotationTest.ID;
import static org.mtcp.core.internal.cert.SecretRotationTest.NEW;
import static org.mtcp.core.internal.cert.SecretRotationTest.OLD;
import static org.mtcp.core.internal.cert.SecretRotationTest.T0;
import static org.mtcp.core.internal.cert.SecretRotationTest.UNTIL;
import static org.mtcp.core.internal.cert.SecretRotationTest.at;
import static org.mtcp.core.internal.cert.SecretRotationTest.pool;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.mtcp.core.internal.wire.ResetCode;

/**
 * The binding key sealed in certificates (AES-256-GCM under a key of the pool secret): it
 * survives a secret rotation as long as the old secret is accepted, and a certificate whose sealed
 * key was altered, moved from another certificate, or sealed by another pool is refused.
 */
class BindingKeySealTest {

    static final Duration LIFETIME = Duration.ofHours(10);

    @Test
    void aKeySealedWithThePreviousSecretUnsealsWhileItIsAcceptedAndIsRefusedAfterItsUntil() throws Exception {
        BindingKey key = BindingKey.generate();
        byte[] cert = new CertificateAuthority(OLD, LIFETIME, at(T0)).issue(ID, 1, "s1", key).encode();

        CertificateAuthority during = new CertificateAuthority(pool(NEW, OLD), LIFETIME, at(UNTIL.minusMillis(1)));
        BindingKey unsealed = during.bindingKey(during.verify(cert, ID, 1));
        assertThat(unsealed.sameAs(key)).isTrue();
        // The new holder reseals the same key with the current secret: servers that know only NEW open it.
        byte[] resealed = during.issue(ID, 2, "s2", unsealed).encode();
        CertificateAuthority newOnly = new CertificateAuthority(NEW, LIFETIME, at(UNTIL.plusSeconds(1)));
        assertThat(newOnly.bindingKey(newOnly.verify(resealed, ID, 2)).sameAs(key)).isTrue();

        // After until: the MAC check refuses first; the seal on its own is refused with the same reason.
        CertificateAuthority after = new CertificateAuthority(pool(NEW, OLD), LIFETIME, at(UNTIL.plusSeconds(90)));
        assertThatThrownBy(() -> after.verify(cert, ID, 1)).hasMessageContaining("accepted only until " + UNTIL);
        assertThatThrownBy(() -> after.bindingKey(Certificate.decode(cert)))
                .isInstanceOf(CertificateException.class)
                .hasMessage("the binding key of the certificate for connection " + ID
                        + " cannot be unsealed: made with a previous pool secret accepted only until " + UNTIL + " (90 s ago)")
                .satisfies(e -> assertThat(((CertificateException) e).code()).isEqualTo(ResetCode.BAD_CERTIFICATE));
    }

    @Test
    void theSameKeyIsResealedThroughAnUpdateOfTheSecrets() throws Exception {
        CertificateAuthority ca = new CertificateAuthority(pool(OLD, null), LIFETIME, at(T0));
        BindingKey key = BindingKey.generate();
        Certificate before = ca.verify(ca.issue(ID, 1, "s1", key).encode(), ID, 1);
        ca.updateSecrets(pool(NEW, OLD));
        assertThat(ca.bindingKey(before).sameAs(key)).as("sealed with OLD, still accepted").isTrue();
        Certificate now = ca.verify(ca.issue(ID, 1, "s1", ca.bindingKey(before)).encode(), ID, 1);
        ca.updateSecrets(pool(NEW, null));
        assertThat(ca.bindingKey(now).sameAs(key)).as("resealed with NEW").isTrue();
        assertThatThrownBy(() -> ca.bindingKey(before)).hasMessageContaining("none of the pool's secrets");
    }

    @Test
    void alteredSealedBytesAreRefusedByTheMacAndByTheSealItself() throws Exception {
        CertificateAuthority ca = new CertificateAuthority(OLD, LIFETIME, at(T0));
        BindingKey key = BindingKey.generate();
        Certificate good = ca.verify(ca.issue(ID, 1, "s1", key).encode(), ID, 1);
        byte[] encoded = good.encode();
        int sealedAt = encoded.length - Hmac.LENGTH - KeySeal.SEALED_BYTES;
        for (int i = 0; i < KeySeal.SEALED_BYTES; i++) {
            byte[] forged = encoded.clone();
            forged[sealedAt + i] ^= 0x01;
            assertThatThrownBy(() -> ca.verify(forged, ID, 1)).as("sealed byte %d", i)
                    .hasMessageContaining("signature is invalid");
            // Even with a valid MAC (made by someone holding the certificate key), the seal refuses it.
            Certificate remac = withMac(Certificate.decode(forged), OLD);
            assertThat(ca.verify(remac.encode(), ID, 1)).isEqualTo(remac);
            assertThatThrownBy(() -> ca.bindingKey(remac)).as("sealed byte %d", i)
                    .hasMessageContaining("cannot be unsealed: made with none of the pool's secrets");
        }
    }

    @Test
    void aSealedKeyMovedToAnotherCertificateDoesNotOpen() throws Exception {
        CertificateAuthority ca = new CertificateAuthority(OLD, LIFETIME, at(T0));
        Certificate victim = ca.verify(ca.issue(ID, 1, "s1", BindingKey.generate()).encode(), ID, 1);
        Certificate other = ca.verify(ca.issue(ID, 2, "s2", BindingKey.generate()).encode(), ID, 2);
        // The seal's associated data is the certificate's other fields: the key of epoch 1 does not open at epoch 2.
        Certificate moved = withMac(new Certificate(other.id(), other.epoch(), other.holder(), other.expiresAtMillis(),
                victim.sealedKey(), new byte[0]), OLD);
        assertThatThrownBy(() -> ca.bindingKey(ca.verify(moved.encode(), ID, 2))).hasMessageContaining("cannot be unsealed");
    }

    @Test
    void aKeySealedUnderAnotherPoolsSecretIsRefused() throws Exception {
        CertificateAuthority ours = new CertificateAuthority(OLD, LIFETIME, at(T0));
        CertificateAuthority theirs = new CertificateAuthority(NEW, LIFETIME, at(T0));
        byte[] alien = theirs.issue(ID, 1, "s1", BindingKey.generate()).encode();
        assertThatThrownBy(() -> ours.verify(alien, ID, 1)).hasMessageContaining("none of the pool's secrets");
        // Their seal under our MAC (a pool server that knew only our certificate key): the seal still refuses.
        Certificate sealedByThem = withMac(Certificate.decode(alien), OLD);
        assertThatThrownBy(() -> ours.bindingKey(ours.verify(sealedByThem.encode(), ID, 1)))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("cannot be unsealed: made with none of the pool's secrets");
    }

    /** {@code c} with a MAC made with {@code secret}'s certificate key. */
    static Certificate withMac(Certificate c, byte[] secret) {
        byte[] mac = Hmac.mac(Hmac.derive(secret, Hmac.CERTIFICATE_KEY), c.signedBytes());
        return new Certificate(c.id(), c.epoch(), c.holder(), c.expiresAtMillis(), c.sealedKey(), mac);
    }

}
