package org.mtcp.core.internal.cert;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.ResetCode;

/**
 * Issues and verifies migration certificates with the pool secret. Every server of a pool can
 * verify what any other issued. Verification here covers the signature, the binding to the
 * connection and epoch the client claims, and expiry; whether the epoch is still current is
 * decided by the holder when the state is fetched (stale certificates are refused there).
 *
 * <p>Certificates are signed with the pool's current secret and verified against it and the
 * previous secrets still accepted ({@link KeyRing}): during a rotation a certificate another
 * server signed with the other secret still takes its client anywhere.
 */
public final class CertificateAuthority {

    private final KeyRing keys;
    private final Duration lifetime;
    private final Clock clock;

    /** An authority of one secret (no previous one). */
    public CertificateAuthority(byte[] poolSecret, Duration lifetime, Clock clock) {
        this(new PoolConfig(poolSecret, List.of()), lifetime, clock);
    }

    /** An authority of {@code pool}'s secrets; {@link #updateSecrets} takes a reloaded pool's. */
    public CertificateAuthority(PoolConfig pool, Duration lifetime, Clock clock) {
        this.keys = new KeyRing(pool, Hmac.CERTIFICATE_KEY, clock);
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** Takes {@code pool}'s secrets; returns whether certificates are now signed with another key. */
    public boolean updateSecrets(PoolConfig pool) {
        return keys.update(pool);
    }

    public Duration lifetime() {
        return lifetime;
    }

    /** An unbound certificate (a bearer token): for clients before protocol version 5. */
    public Certificate issue(ConnectionId id, long epoch, String holder) {
        return issue(id, epoch, holder, new byte[0]);
    }

    /**
     * A certificate bound to {@code clientKey} (the client's public key, from its HELLO{new}, or
     * from the certificate it migrated with), or unbound when the key is empty.
     */
    public Certificate issue(ConnectionId id, long epoch, String holder, byte[] clientKey) {
        long expires = clock.millis() + lifetime.toMillis();
        Certificate unsigned = new Certificate(id, epoch, holder, expires, clientKey, new byte[0]);
        return new Certificate(id, epoch, holder, expires, clientKey, keys.signing().mac(unsigned.signedBytes()));
    }

    /**
     * Checks {@code bytes} is a genuine, unexpired certificate for {@code id} at {@code epoch}.
     * The signature is checked before anything else is believed.
     */
    public Certificate verify(byte[] bytes, ConnectionId id, long epoch) throws CertificateException {
        Certificate c;
        try {
            c = Certificate.decode(bytes);
        } catch (ProtocolException e) {
            throw new CertificateException(ResetCode.BAD_CERTIFICATE, "malformed certificate: " + e.getMessage());
        }
        byte[] signed = c.signedBytes();
        if (keys.check(k -> Hmac.equal(k.mac(signed), c.mac())) instanceof KeyRing.Verdict.Refused r) {
            throw new CertificateException(ResetCode.BAD_CERTIFICATE, "certificate signature is invalid: " + r.reason());
        }
        if (!c.id().equals(id) || c.epoch() != epoch) {
            throw new CertificateException(ResetCode.BAD_CERTIFICATE, "certificate is for connection "
                    + c.id() + " epoch " + c.epoch() + ", not " + id + " epoch " + epoch);
        }
        long now = clock.millis();
        if (now >= c.expiresAtMillis()) {
            throw new CertificateException(ResetCode.EXPIRED_CERTIFICATE, "certificate for connection "
                    + id + " epoch " + epoch + " expired " + (now - c.expiresAtMillis()) + " ms ago");
        }
        return c;
    }
}
