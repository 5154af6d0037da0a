package org.mtcp.core.internal.cert;

import java.time.Clock;
import java.time.Duration;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.ResetCode;

/**
 * Issues and verifies migration certificates with the pool secret. Every server of a pool can
 * verify what any other issued. Verification here covers the signature, the binding to the
 * connection and epoch the client claims, and expiry; whether the epoch is still current is
 * decided by the holder when the state is fetched (stale certificates are refused there).
 */
public final class CertificateAuthority {

    private final Hmac.Key key;
    private final Duration lifetime;
    private final Clock clock;

    public CertificateAuthority(byte[] poolSecret, Duration lifetime, Clock clock) {
        this.key = new Hmac.Key(Hmac.derive(poolSecret, Hmac.CERTIFICATE_KEY));
        this.lifetime = lifetime;
        this.clock = clock;
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
        return new Certificate(id, epoch, holder, expires, clientKey, key.mac(unsigned.signedBytes()));
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
        if (!Hmac.equal(key.mac(c.signedBytes()), c.mac())) {
            throw new CertificateException(ResetCode.BAD_CERTIFICATE,
                    "certificate signature is invalid (forged, or signed with another pool secret)");
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
