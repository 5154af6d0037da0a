package org.mtcp.core.internal.cert;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyRing keys;

    KeySeal(PoolConfig pool, Clock clock) {
        this.keys = new KeyRing(pool, Hmac.BINDING_SEAL_KEY, clock);
    }

    void update(PoolConfig pool) {
        keys.update(pool);
    }

    /** {@code key} sealed for a certificate whose other fields are {@code header}. */
    byte[] seal(BindingKey key, byte[] header) {
        byte[] sealed = new byte[SEALED_BYTES];
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = cipher(Cipher.ENCRYPT_MODE, keys.signingKey(), nonce);
            c.updateAAD(header);
            byte[] out = c.doFinal(key.bytes());
            System.arraycopy(nonce, 0, sealed, 0, NONCE_BYTES);
            System.arraycopy(out, 0, sealed, NONCE_BYTES, out.length);
            return sealed;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(TRANSFORMATION + " unavailable", e);
        }
    }

    /** The key sealed in {@code sealed} under {@code header}, or the reason it cannot be opened. */
    Opened open(byte[] sealed, byte[] header) {
        if (sealed.length != SEALED_BYTES) {
            return new Opened(null, "sealed binding key is " + sealed.length + " bytes, not " + SEALED_BYTES);
        }
        byte[][] opened = new byte[1][];
        KeyRing.Verdict v = keys.checkRaw(k -> (opened[0] = tryOpen(k, sealed, header)) != null);
        return switch (v) {
            case KeyRing.Verdict.Accepted a -> new Opened(BindingKey.of(opened[0]), null);
            case KeyRing.Verdict.Refused r -> new Opened(null, r.reason());
        };
    }

    /** The outcome of {@link #open}: the key, or why not. */
    record Opened(BindingKey key, String refusal) {}

    private static byte[] tryOpen(byte[] sealKey, byte[] sealed, byte[] header) {
        try {
            Cipher c = cipher(Cipher.DECRYPT_MODE, sealKey, Arrays.copyOf(sealed, NONCE_BYTES));
            c.updateAAD(header);
            return c.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            return null; // sealed under another key, or altered: the caller tries the next key
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(TRANSFORMATION + " unavailable", e);
        }
    }

    private static Cipher cipher(int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance(TRANSFORMATION);
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
        return c;
    }
}
