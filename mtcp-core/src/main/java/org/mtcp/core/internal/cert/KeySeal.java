package org.mtcp.core.internal.cert;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.AEADBadTagException;
import org.mtcp.core.PoolConfig;

/**
 * Seals a connection's {@link BindingKey} into its certificates: AES-256-GCM under a key derived
 * from the pool secret ({@value Hmac#BINDING_SEAL_KEY}), a random nonce per seal, the
 * certificate's other fields as associated data. Layout: {@code nonce (12) | ciphertext (32) |
 * tag (16)}. Sealed with the current secret's key, opened with it or a previous one still
 * accepted ({@link KeyRing}), so a secret rotation keeps every connection's key.
 */
final class KeySeal {

    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    static final int SEALED_BYTES = NONCE_BYTES + BindingKey.BYTES + TAG_BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyRing keys;
    /** The ring's raw keys ready for AES-GCM (the current one and previous ones still accepted); emptied on update. */
    private final Map<ByteBuffer, AesGcmKey> ciphers = new ConcurrentHashMap<>();

    KeySeal(PoolConfig pool, Clock clock) {
        this.keys = new KeyRing(pool, Hmac.BINDING_SEAL_KEY, clock);
    }

    void update(PoolConfig pool) {
        keys.update(pool);
        ciphers.clear();
    }

    private AesGcmKey cipher(byte[] rawKey) {
        AesGcmKey k = ciphers.get(ByteBuffer.wrap(rawKey));
        if (k == null) {
            byte[] copy = rawKey.clone();
            k = ciphers.computeIfAbsent(ByteBuffer.wrap(copy), b -> new AesGcmKey(copy));
        }
        return k;
    }

    /** {@code key} sealed for a certificate whose other fields are {@code header}. */
    byte[] seal(BindingKey key, byte[] header) {
        byte[] sealed = new byte[SEALED_BYTES];
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            byte[] out = cipher(keys.signingKey()).encrypt(nonce, header, key.bytes());
            System.arraycopy(nonce, 0, sealed, 0, NONCE_BYTES);
            System.arraycopy(out, 0, sealed, NONCE_BYTES, out.length);
            return sealed;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(AesGcmKey.TRANSFORMATION + " unavailable", e);
        }
    }

    /** The key sealed in {@code sealed} under {@code header}, or the reason it cannot be opened. */
    Opened open(byte[] sealed, byte[] header) {
        if (sealed.length != SEALED_BYTES) {
            return new Opened(null, "sealed binding key is " + sealed.length + " bytes, not " + SEALED_BYTES);
        }
        byte[][] opened = new byte[1][];
        KeyRing.Verdict v = keys.checkRaw(k -> (opened[0] = tryOpen(cipher(k), sealed, header)) != null);
        return switch (v) {
            case KeyRing.Verdict.Accepted a -> new Opened(BindingKey.of(opened[0]), null);
            case KeyRing.Verdict.Refused r -> new Opened(null, r.reason());
        };
    }

    /** The outcome of {@link #open}: the key, or why not. */
    record Opened(BindingKey key, String refusal) {}

    private static byte[] tryOpen(AesGcmKey sealKey, byte[] sealed, byte[] header) {
        try {
            return sealKey.decrypt(Arrays.copyOf(sealed, NONCE_BYTES), header, sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            return null; // sealed under another key, or altered: the caller tries the next key
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(AesGcmKey.TRANSFORMATION + " unavailable", e);
        }
    }
}
