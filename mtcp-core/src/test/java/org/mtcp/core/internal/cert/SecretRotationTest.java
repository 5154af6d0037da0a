package org.mtcp.core.internal.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolConfig.PreviousSecret;
import org.mtcp.core.internal.wire.ResetCode;

/** Migration certificates across a secret rotation: accepted during the overlap, refused after it, with a reason. */
class SecretRotationTest {

    static final byte[] OLD = "the old pool secret, 32 bytes!!!".getBytes();
    static final byte[] NEW = "the new pool secret, 32 bytes!!!".getBytes();
    static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
    static final Instant UNTIL = Instant.parse("2026-12-04T12:00:00Z");
    static final ConnectionId ID = new ConnectionId(7, 8);

    static Clock at(Instant t) {
        return Clock.fixed(t, ZoneOffset.UTC);
    }

    static PoolConfig pool(byte[] current, byte[] previous) {
        return new PoolConfig(current, List.of()).withSecrets(current,
                previous == null ? List.of() : List.of(new PreviousSecret(previous, UNTIL)));
    }

    @Test
    void aCertificateSignedWithTheOldSecretIsAcceptedUntilTheStatedTimeThenRefusedWithTheReason() throws Exception {
        byte[] cert = new CertificateAuthority(OLD, Duration.ofHours(10), at(T0)).issue(ID, 1, "s1").encode();

        Instant justBefore = UNTIL.minusMillis(1);
        assertThat(new CertificateAuthority(pool(NEW, OLD), Duration.ofHours(10), at(justBefore)).verify(cert, ID, 1).holder())
                .isEqualTo("s1");

        CertificateAuthority after = new CertificateAuthority(pool(NEW, OLD), Duration.ofHours(10), at(UNTIL.plusSeconds(90)));
        assertThatThrownBy(() -> after.verify(cert, ID, 1)).isInstanceOf(CertificateException.class)
                .hasMessage("certificate signature is invalid: made with a previous pool secret accepted only until "
                        + UNTIL + " (90 s ago)")
                .satisfies(e -> assertThat(((CertificateException) e).code()).isEqualTo(ResetCode.BAD_CERTIFICATE));

        // a server that never knew the old secret says so differently
        assertThatThrownBy(() -> new CertificateAuthority(NEW, Duration.ofHours(10), at(justBefore)).verify(cert, ID, 1))
                .hasMessage("certificate signature is invalid: made with none of the pool's secrets (forged, or another"
                        + " pool's secret)");
    }

    @Test
    void phaseOneServersAcceptWhatPhaseTwoServersSignAndTheReverse() throws Exception {
        CertificateAuthority phase1 = new CertificateAuthority(pool(OLD, NEW), Duration.ofHours(1), at(T0));
        CertificateAuthority phase2 = new CertificateAuthority(pool(NEW, OLD), Duration.ofHours(1), at(T0));
        assertThat(phase1.verify(phase2.issue(ID, 2, "s2").encode(), ID, 2).holder()).isEqualTo("s2");
        assertThat(phase2.verify(phase1.issue(ID, 3, "s1").encode(), ID, 3).holder()).isEqualTo("s1");
        // each signs with its current secret only
        assertThat(new CertificateAuthority(NEW, Duration.ofHours(1), at(T0)).verify(phase2.issue(ID, 4, "s2").encode(), ID, 4))
                .isNotNull();
        assertThatThrownBy(() -> new CertificateAuthority(NEW, Duration.ofHours(1), at(T0))
                .verify(phase1.issue(ID, 5, "s1").encode(), ID, 5)).hasMessageContaining("none of the pool's secrets");
    }

    @Test
    void updatingTheSecretsSwitchesTheSigningKeyAndSaysSo() throws Exception {
        CertificateAuthority ca = new CertificateAuthority(pool(OLD, null), Duration.ofHours(1), at(T0));
        byte[] before = ca.issue(ID, 1, "s1").encode();
        assertThat(ca.updateSecrets(pool(OLD, NEW))).as("phase 1: still signing with OLD").isFalse();
        assertThat(ca.updateSecrets(pool(NEW, OLD))).as("phase 2: now signing with NEW").isTrue();
        assertThat(ca.verify(before, ID, 1)).isNotNull();
        byte[] now = ca.issue(ID, 2, "s1").encode();
        assertThat(new CertificateAuthority(NEW, Duration.ofHours(1), at(T0)).verify(now, ID, 2)).isNotNull();
        assertThat(ca.updateSecrets(pool(NEW, null))).as("phase 3: same signing key").isFalse();
        assertThatThrownBy(() -> ca.verify(before, ID, 1)).hasMessageContaining("none of the pool's secrets");
    }

    @Test
    void theRingCountsOnlySecretsNotPastTheirUntil() {
        assertThat(new KeyRing(pool(NEW, OLD), Hmac.CONTROL_KEY, at(T0)).acceptedNow()).isEqualTo(2);
        assertThat(new KeyRing(pool(NEW, OLD), Hmac.CONTROL_KEY, at(UNTIL)).acceptedNow()).isEqualTo(1);
        assertThatThrownBy(() -> pool(NEW, NEW)).hasMessage("a previous pool secret is the same as the current one");
    }
}
