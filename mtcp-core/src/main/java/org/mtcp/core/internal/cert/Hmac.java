package org.mtcp.core.internal.cert;

import java.security.GeneralSecurityException;
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

    public static byte[] derive(byte[] secret, String label) {
        return mac(secret, label.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] mac(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            for (byte[] p : parts) {
                mac.update(p);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Constant-time comparison, so a forger learns nothing from timing. */
    public static boolean equal(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
