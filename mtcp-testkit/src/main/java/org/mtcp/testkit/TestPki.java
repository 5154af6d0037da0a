package org.mtcp.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority for tests: a CA and the certificates it issues (EC P-256,
 * SANs for loopback), as in-memory key stores or as PEM and PKCS#12 files, including the bad
 * ones the attack tests need (expired, from another CA, for another name).
 */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A key and the certificate chain for it (leaf first). */
    public record Issued(String name, PrivateKey key, List<X509Certificate> chain) {

        public X509Certificate certificate() {
            return chain.get(0);
        }

        /** A PKCS#12-type key store in memory with this one key entry under alias {@code name}, password {@link #PASSWORD}. */
        public KeyStore keyStore() {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry(name, key, PASSWORD, chain.toArray(new Certificate[0]));
                return ks;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot build a key store for " + name, e);
            }
        }

        /** Writes {@code NAME.crt} (the chain, PEM) and {@code NAME.key} (PKCS#8 PEM) into {@code dir}; returns {crt, key}. */
        public Path[] writePem(Path dir) throws IOException {
            Path crt = dir.resolve(name + ".crt");
            Path keyFile = dir.resolve(name + ".key");
            Files.writeString(crt, pem(chain.toArray()));
            Files.writeString(keyFile, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null).generate()));
            return new Path[] {crt, keyFile};
        }

        /** Writes {@code NAME.p12} (key and chain, password {@link #PASSWORD}) into {@code dir}. */
        public Path writePkcs12(Path dir) throws IOException {
            Path p = dir.resolve(name + ".p12");
            try (OutputStream out = Files.newOutputStream(p)) {
                keyStore().store(out, PASSWORD);
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot write " + p, e);
            }
            return p;
        }
    }

    /** The password of every key store this kit writes. */
    public static final char[] PASSWORD = "changeit".toCharArray();

    private final String name;
    private final KeyPair caKeys;
    private final X509Certificate caCertificate;

    private TestPki(String name, KeyPair caKeys, X509Certificate caCertificate) {
        this.name = name;
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
    }

    /** A new CA named {@code name}, valid from an hour ago for a year. */
    public static TestPki create(String name) {
        KeyPair keys = ecKeys();
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(365))), subject, keys.getPublic());
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new TestPki(name, keys, sign(b, keys.getPrivate()));
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** A trust store with this CA as its one anchor. */
    public KeyStore trustStore() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry(name, caCertificate);
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust store", e);
        }
    }

    /** Writes the CA certificate as {@code CA-NAME.crt} (PEM) into {@code dir}. */
    public Path writeCaPem(Path dir) throws IOException {
        Path p = dir.resolve(name + "-ca.crt");
        Files.writeString(p, pem(caCertificate));
        return p;
    }

    /** A certificate for {@code cn} valid now for a day, with SANs: localhost, 127.0.0.1 and {@code cn}. */
    public Issued issue(String cn) {
        Instant now = Instant.now();
        return issue(cn, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), List.of(cn, "localhost", "127.0.0.1"));
    }

    /** A certificate for {@code cn} valid in [notBefore, notAfter], with exactly {@code subjectAltNames} (DNS names or IP literals). */
    public Issued issue(String cn, Instant notBefore, Instant notAfter, List<String> subjectAltNames) {
        KeyPair keys = ecKeys();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCertificate, serial(),
                Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + cn), keys.getPublic());
        try {
            List<GeneralName> names = new ArrayList<>();
            for (String san : subjectAltNames) {
                names.add(isIpLiteral(san) ? new GeneralName(GeneralName.iPAddress, san) : new GeneralName(GeneralName.dNSName, san));
            }
            if (!names.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            }
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Issued(cn, keys.getPrivate(), List.of(sign(b, caKeys.getPrivate()), caCertificate));
    }

    /** A certificate for {@code cn} that expired an hour ago. */
    public Issued issueExpired(String cn) {
        Instant now = Instant.now();
        return issue(cn, now.minus(Duration.ofDays(2)), now.minus(Duration.ofHours(1)), List.of(cn, "localhost", "127.0.0.1"));
    }

    private static boolean isIpLiteral(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}") || s.contains(":");
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 in this JDK", e);
        }
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a test certificate", e);
        }
    }

    private static String pem(Object... objects) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            for (Object o : objects) {
                p.writeObject(o);
            }
        }
        return w.toString();
    }
}
