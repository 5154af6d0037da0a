package org.mtcp.core.internal.cert;

import java.security.MessageDigest;
import java.security.SecureRandom;
import org.mtcp.core.internal.wire.Wire;

/**
 * A connection's binding key K (docs/protocol.md, section 3): 32 random bytes the first holder
 * makes for a version-5 connection and gives its client in the WELCOME (inside the link's TLS).
 * Every certificate of the connection carries K sealed under a pool key ({@link
 * CertificateAuthority}); the client keeps K in memory for the connection's life and proves each
 * migration with a MAC under it ({@link MigrationProof}). Secret: {@link #toString()} never shows it.
 */
public final class BindingKey {

    public static final int BYTES = Wire.BINDING_KEY_BYTES;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;

    private BindingKey(byte[] key) {
        this.key = key;
    }

    /** A fresh random key, for a new connection. */
    public static BindingKey generate() {
        byte[] k = new byte[BYTES];
        RANDOM.nextBytes(k);
        return new BindingKey(k);
    }

    /** The key in {@code bytes} (a WELCOME's field, an unsealed certificate's). */
    public static BindingKey of(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a binding key is " + BYTES + " bytes, not " + bytes.length);
        }
        return new BindingKey(bytes.clone());
    }

    /** The raw key: for the WELCOME that gives it to its client, and for sealing. */
    public byte[] bytes() {
        return key.clone();
    }

    byte[] mac(byte[] message) {
        return Hmac.mac(key, message);   // one MAC per migration on each side: a pooled Mac, no prototype per key
    }

    /** Whether {@code other} is the same key (constant time). */
    public boolean sameAs(BindingKey other) {
        return MessageDigest.isEqual(key, other.key);
    }

    @Override
    public String toString() {
        return "binding key"; // never the bytes
    }
}
