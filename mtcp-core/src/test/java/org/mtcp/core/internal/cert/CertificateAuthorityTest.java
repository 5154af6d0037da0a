package org.mtcp.core.internal.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.wire.ResetCode;

class CertificateAuthorityTest {

    static final byte[] SECRET = "a pool secret of some length!!".getBytes();
    static final ConnectionId ID = new ConnectionId(42, 43);

    static Clock at(long millis) {
        return Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
    }

    @Test
    void issuedCertificatesVerifyUntilTheyExpire() throws Exception {
        CertificateAuthority issuer = new CertificateAuthority(SECRET, Duration.ofSeconds(10), at(1_000));
        byte[] cert = issuer.issue(ID, 3, "s1").encode();
        Certificate c = new CertificateAuthority(SECRET, Duration.ofSeconds(10), at(10_999)).verify(cert, ID, 3);
        assertThat(c.holder()).isEqualTo("s1");
        assertThat(c.expiresAtMillis()).isEqualTo(11_000);
        assertThatThrownBy(() -> new CertificateAuthority(SECRET, Duration.ofSeconds(10), at(11_000)).verify(cert, ID, 3))
                .isInstanceOf(CertificateException.class)
                .satisfies(e -> assertThat(((CertificateException) e).code()).isEqualTo(ResetCode.EXPIRED_CERTIFICATE));
    }

    @Test
    void everyAlteredByteIsDetected() throws Exception {
        CertificateAuthority ca = new CertificateAuthority(SECRET, Duration.ofSeconds(10), at(0));
        byte[] cert = ca.issue(ID, 3, "s1", ClientKey.generate().publicKey()).encode(); // the key is signed too
        for (int i = 0; i < cert.length; i++) {
            byte[] forged = cert.clone();
            forged[i] ^= 0x01;
            assertThatThrownBy(() -> ca.verify(forged, ID, 3)).as("byte %d", i)
                    .isInstanceOf(CertificateException.class)
                    .satisfies(e -> assertThat(((CertificateException) e).code()).isEqualTo(ResetCode.BAD_CERTIFICATE));
        }
    }

    @Test
    void aCertificateIsBoundToItsConnectionAndEpoch() throws Exception {
        CertificateAuthority ca = new CertificateAuthority(SECRET, Duration.ofSeconds(10), at(0));
        byte[] cert = ca.issue(ID, 3, "s1").encode();
        assertThatThrownBy(() -> ca.verify(cert, ID, 4)).hasMessageContaining("epoch 3, not");
        assertThatThrownBy(() -> ca.verify(cert, new ConnectionId(1, 1), 3)).hasMessageContaining("is for connection");
        assertThatThrownBy(() -> ca.verify(new byte[5], ID, 3)).hasMessageContaining("malformed");
        assertThatThrownBy(() -> new CertificateAuthority("another secret entirely!".getBytes(), Duration.ofSeconds(10),
                at(0)).verify(cert, ID, 3)).hasMessageContaining("signature is invalid");
    }
}
