package org.mtcp.core.internal.cert;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.mtcp.core.internal.wire.Wire;

/**
 * The key pair a client makes for one logical connection (Ed25519: 32-byte public keys, 64-byte
 * signatures, fast on both sides). Its public key goes out in HELLO{new} and into every
 * certificate of the connection; its private key never leaves the client and signs each
 * HELLO{migrate}'s {@link MigrationProof}. One key per connection, not per process: a key
 * stolen from one connection's memory is worth that connection only.
 */
public final class ClientKey {

    public static final String ALGORITHM = "Ed25519";
    public static final int PUBLIC_KEY_BYTES = Wire.CLIENT_KEY_BYTES;
    public static final int SIGNATURE_BYTES = Wire.PROOF_SIGNATURE_BYTES;

    /**
     * The DER header of an Ed25519 SubjectPublicKeyInfo (RFC 8410): followed by the 32 raw key
     * bytes, it is the X.509 encoding the JDK reads and writes. The wire carries the raw bytes.
     */
    private static final byte[] X509_HEADER = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private final PrivateKey privateKey;
    private final byte[] publicKey;

    private ClientKey(KeyPair pair) {
        this.privateKey = pair.getPrivate();
        this.publicKey = raw(pair.getPublic());
    }

    /** A fresh key pair. */
    public static ClientKey generate() {
        try {
            return new ClientKey(KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " unavailable", e);
        }
    }

    /** The public key as it goes on the wire and into certificates: 32 raw bytes. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    public byte[] sign(byte[] message) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(privateKey);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " signing failed", e);
        }
    }

    /**
     * Whether {@code signature} is {@code publicKey}'s over {@code message}; false for a malformed
     * key or signature as for a wrong one (the caller refuses all alike).
     */
    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey.length != PUBLIC_KEY_BYTES || signature.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(decode(publicKey));
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // not a point of the curve, or a signature the provider rejects outright
        }
    }

    private static PublicKey decode(byte[] raw) throws GeneralSecurityException {
        byte[] der = Arrays.copyOf(X509_HEADER, X509_HEADER.length + raw.length);
        System.arraycopy(raw, 0, der, X509_HEADER.length, raw.length);
        return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
    }

    private static byte[] raw(PublicKey key) {
        byte[] der = key.getEncoded();
        if (der.length != X509_HEADER.length + PUBLIC_KEY_BYTES
                || !Arrays.equals(der, 0, X509_HEADER.length, X509_HEADER, 0, X509_HEADER.length)) {
            throw new IllegalStateException("unexpected " + ALGORITHM + " public key encoding");
        }
        return Arrays.copyOfRange(der, X509_HEADER.length, der.length);
    }

    @Override
    public String toString() {
        return "client key (" + ALGORITHM + ")"; // never the private part
    }
}
