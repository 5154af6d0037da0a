package org.mtcp.core.internal.cert;

import java.security.GeneralSecurityException;
import java.util.concurrent.ArrayBlockingQueue;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-GCM under one key, with its {@link Cipher} objects reused, as {@link Hmac.Key} reuses its
 * {@code Mac}: {@code Cipher.getInstance} (a provider lookup) and the AES key schedule on every
 * seal and open were most of the binding's CPU on a migration's path (JFR of {@code ./mtcp bench
 * migration}, docs/benchmarks.md, "TLS (issue 16)").
 * A reused cipher is initialised with a fresh IV each time; the JDK keeps the key schedule when
 * the key is the same. Thread-safe; at most {@value #POOLED} idle ciphers are kept.
 */
final class AesGcmKey {

    static final String TRANSFORMATION = "AES/GCM/NoPadding";
    static final int TAG_BITS = 128;
    private static final int POOLED = 8;

    private final SecretKeySpec key;
    private final ArrayBlockingQueue<Cipher> idle = new ArrayBlockingQueue<>(POOLED);

    AesGcmKey(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /** {@code plain} encrypted under {@code nonce} (never reused with this key), authenticating {@code aad}: ciphertext | tag. */
    byte[] encrypt(byte[] nonce, byte[] aad, byte[] plain) throws GeneralSecurityException {
        Cipher c = borrow();
        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(aad);
        byte[] out = c.doFinal(plain);
        idle.offer(c);
        return out;
    }

    /**
     * {@code in[offset .. offset+length)} (ciphertext | tag) decrypted; throws {@link
     * javax.crypto.AEADBadTagException} when it was not sealed under this key with {@code nonce}
     * and {@code aad}. A cipher whose operation failed is not reused.
     */
    byte[] decrypt(byte[] nonce, byte[] aad, byte[] in, int offset, int length) throws GeneralSecurityException {
        Cipher c = borrow();
        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(aad);
        byte[] out = c.doFinal(in, offset, length);
        idle.offer(c);
        return out;
    }

    private Cipher borrow() throws GeneralSecurityException {
        Cipher c = idle.poll();
        return c != null ? c : Cipher.getInstance(TRANSFORMATION);
    }
}
