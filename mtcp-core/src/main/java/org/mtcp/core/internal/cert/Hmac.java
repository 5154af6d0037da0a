package org.mtcp.core.internal.cert;

import java.security.GeneralSecurityException;
import java.util.concurrent.ArrayBlockingQueue;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256, the only primitive the pool secret is used with. Each use gets its own key
 * derived from the secret with a label ({@link #derive}), so a MAC computed for one purpose
 * (say, a certificate) can never be replayed as another (a control-plane proof).
 */
public final class Hmac {
    private Hmac() {}

    public static final String ALGORITHM = "HmacSHA256";
    public static final int LENGTH = 32;

    /** Labels of the derived keys; changing one invalidates every MAC made with it. */
    public static final String CERTIFICATE_KEY = "mtcp/v1 certificate";
    public static final String CONTROL_KEY = "mtcp/v1 control";
    /** Not a MAC key: the AES-256-GCM key that seals a certificate's binding key ({@link KeySeal}). */
    public static final String BINDING_SEAL_KEY = "mtcp/v2 binding seal";

    public static byte[] derive(byte[] secret, String label) {
        return mac(secret, label.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The MAC of {@code parts} under {@code key}. The {@code Mac} objects are reused (a provider
     * lookup per MAC costs more than the MAC), initialised with the key each time.
     */
    public static byte[] mac(byte[] key, byte[]... parts) {
        try {
            Mac mac = IDLE.poll();
            if (mac == null) {
                mac = Mac.getInstance(ALGORITHM);
            }
            mac.init(new SecretKeySpec(key, ALGORITHM));
            for (byte[] p : parts) {
                mac.update(p);
            }
            byte[] result = mac.doFinal();   // also resets it for the next user
            IDLE.offer(mac);
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Idle {@code Mac} objects of {@link #mac(byte[], byte[][])}; a few are enough, more are dropped. */
    private static final ArrayBlockingQueue<Mac> IDLE = new ArrayBlockingQueue<>(8);

    /**
     * A key in use: its {@link Mac} is initialised once (the provider lookup and the key's inner
     * and outer pads) and cloned per MAC, which is several times cheaper than {@link #mac(byte[],
     * byte[][])}'s {@code getInstance} and {@code init} on a migration's path (a certificate
     * check and issue, two sealed control messages). Thread-safe: the prototype is never used
     * itself.
     */
    public static final class Key {
        private final Mac prototype;

        public Key(byte[] key) {
            try {
                Mac mac = Mac.getInstance(ALGORITHM);
                mac.init(new SecretKeySpec(key, ALGORITHM));
                this.prototype = mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
            }
        }

        private Mac fresh() {
            try {
                return (Mac) prototype.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("HmacSHA256 of this provider cannot be cloned", e);
            }
        }

        public byte[] mac(byte[]... parts) {
            Mac mac = fresh();
            for (byte[] p : parts) {
                mac.update(p);
            }
            return mac.doFinal();
        }

        /** The MAC of a direction byte, a sequence number and a message: a sealed control message's. */
        public byte[] mac(byte direction, long seq, byte[] message) {
            Mac mac = fresh();
            mac.update(direction);
            for (int shift = 56; shift >= 0; shift -= 8) {
                mac.update((byte) (seq >>> shift));
            }
            mac.update(message);
            return mac.doFinal();
        }
    }

    /** Constant-time comparison, so a forger learns nothing from timing. */
    public static boolean equal(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
