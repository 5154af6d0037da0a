package org.mtcp.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.operator.OperatorCreationException;
import org.mtcp.core.tls.LocalCa;

/**
 * A throwaway certificate authority for tests: a CA and the certificates it issues (EC P-256,
 * SANs for loopback), as in-memory key stores or as PEM and PKCS#12 files, including the bad
 * ones the attack tests need (expired, from another CA, for another name).
 */
public final class TestPki {

    /** A key and the certificate chain for it (leaf first). */
    public record Issued(String name, PrivateKey key, List<X509Certificate> chain) {

        private static Issued of(LocalCa.Leaf leaf) {
            return new Issued(leaf.name(), leaf.key(), leaf.chain());
        }

        private LocalCa.Leaf leaf() {
            return new LocalCa.Leaf(name, key, chain);
        }

        public X509Certificate certificate() {
            return chain.get(0);
        }

        /** A PKCS#12-type key store in memory with this one key entry under alias {@code name}, password {@link #PASSWORD}. */
        public KeyStore keyStore() {
            return leaf().keyStore(PASSWORD);
        }

        /** Writes {@code NAME.crt} (the chain, PEM) and {@code NAME.key} (PKCS#8 PEM) into {@code dir}; returns {crt, key}. */
        public Path[] writePem(Path dir) throws IOException {
            return new Path[] {leaf().writeChain(dir.resolve(name + ".crt")), leaf().writeKey(dir.resolve(name + ".key"))};
        }

        /**
         * Writes the key alone to {@code file} in {@code format} ({@code password} for
         * {@link KeyFormat#ENCRYPTED_PKCS8} only); returns {@code file}.
         */
        public Path writeKey(Path file, KeyFormat format, char[] password) throws IOException {
            Object pemObject = switch (format) {
                case PKCS8 -> new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null).generate();
                case TRADITIONAL -> traditional(key);
                case ENCRYPTED_PKCS8 -> {
                    try {
                        yield new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key,
                                new org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder(
                                        org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC)
                                        .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                                        .setPassword(password).build())
                                .generate();
                    } catch (OperatorCreationException e) {
                        throw new IOException("cannot encrypt the key of " + name, e);
                    }
                }
            };
            Files.writeString(file, LocalCa.pem(pemObject));
            return file;
        }

        /** Writes the chain alone (PEM, leaf first) to {@code file}; returns it. */
        public Path writeChain(Path file) throws IOException {
            return leaf().writeChain(file);
        }

        /** Writes {@code NAME.p12} (key and chain, password {@link #PASSWORD}) into {@code dir}. */
        public Path writePkcs12(Path dir) throws IOException {
            return leaf().writePkcs12(dir.resolve(name + ".p12"), PASSWORD);
        }
    }

    /** How {@link Issued#writeKey} writes a private key. */
    public enum KeyFormat {
        /** {@code -----BEGIN PRIVATE KEY-----} */
        PKCS8,
        /** {@code -----BEGIN RSA PRIVATE KEY-----} (PKCS#1) or {@code -----BEGIN EC PRIVATE KEY-----} (SEC1) */
        TRADITIONAL,
        /** {@code -----BEGIN ENCRYPTED PRIVATE KEY-----} (PKCS#8, AES-256-CBC) */
        ENCRYPTED_PKCS8
    }

    /** The password of every key store this kit writes. */
    public static final char[] PASSWORD = "changeit".toCharArray();

    private final String name;
    private final LocalCa ca;

    private TestPki(String name, LocalCa ca) {
        this.name = name;
        this.ca = ca;
    }

    /** A new CA named {@code name}, valid from an hour ago for a year. */
    public static TestPki create(String name) {
        return new TestPki(name, LocalCa.create(name, Duration.ofDays(365)));
    }

    /** The production CA behind this kit. */
    public LocalCa localCa() {
        return ca;
    }

    public X509Certificate caCertificate() {
        return ca.certificate();
    }

    /** A trust store with this CA as its one anchor. */
    public KeyStore trustStore() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry(name, ca.certificate());
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust store", e);
        }
    }

    /** Writes the CA certificate as {@code CA-NAME.crt} (PEM) into {@code dir}. */
    public Path writeCaPem(Path dir) throws IOException {
        return ca.writeCertificate(dir.resolve(name + "-ca.crt"));
    }

    /** A certificate for {@code cn} valid now for a day, with SANs: localhost, 127.0.0.1 and {@code cn}. */
    public Issued issue(String cn) {
        Instant now = Instant.now();
        return issue(cn, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), List.of(cn, "localhost", "127.0.0.1"));
    }

    /** A certificate for {@code cn} valid in [notBefore, notAfter], with exactly {@code subjectAltNames} (DNS names or IP literals). */
    public Issued issue(String cn, Instant notBefore, Instant notAfter, List<String> subjectAltNames) {
        return issue(cn, notBefore, notAfter, subjectAltNames, LocalCa.ecKeys());
    }

    private Issued issue(String cn, Instant notBefore, Instant notAfter, List<String> subjectAltNames, KeyPair keys) {
        return Issued.of(ca.issue(cn, subjectAltNames, notBefore, notAfter, keys));
    }

    /** As {@link #issue(String)} with an RSA 2048 key (PKCS#1 files need one). */
    public Issued issueRsa(String cn) {
        Instant now = Instant.now();
        return issue(cn, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), List.of(cn, "localhost", "127.0.0.1"),
                rsaKeys());
    }

    /** Writes a PKCS#12 trust store with this CA as its one anchor, password {@link #PASSWORD}, as {@code NAME-trust.p12}. */
    public Path writeTrustStore(Path dir) throws IOException {
        Path p = dir.resolve(name + "-trust.p12");
        try (OutputStream out = Files.newOutputStream(p)) {
            trustStore().store(out, PASSWORD);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write " + p, e);
        }
        return p;
    }

    /** A certificate for {@code cn} that expired an hour ago. */
    public Issued issueExpired(String cn) {
        Instant now = Instant.now();
        return issue(cn, now.minus(Duration.ofDays(2)), now.minus(Duration.ofHours(1)), List.of(cn, "localhost", "127.0.0.1"));
    }

    /**
     * PKCS#1 for RSA (as JcaPEMWriter writes a bare key); SEC1 for EC built here, with the curve
     * named inside as OpenSSL writes it (the JDK's encoding keeps the curve outside, in PKCS#8).
     */
    private static Object traditional(PrivateKey key) {
        if (key instanceof java.security.interfaces.ECPrivateKey ec) {
            org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getEncoded());
            try {
                byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(ec.getParams().getOrder().bitLength(), ec.getS(),
                        info.getPrivateKeyAlgorithm().getParameters()).getEncoded();
                return new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1);
            } catch (IOException e) {
                throw new IllegalStateException("cannot encode an EC key", e);
            }
        }
        return key;
    }

    private static KeyPair rsaKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no RSA in this JDK", e);
        }
    }
}
