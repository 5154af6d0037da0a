package org.mtcp.core.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority for a pool that has none: an EC P-256 CA key and certificate,
 * and the server certificates it issues (one per server, with the names and addresses clients
 * and the other servers reach it by). Behind {@code ./mtcp certs} and the demo's throwaway CA;
 * an organisation with its own PKI does not need it.
 *
 * <p>Files are PEM (certificate chains, PKCS#8 keys, written owner-only where the file system
 * has POSIX permissions) or PKCS#12, as {@link TlsConfig#load} reads them.
 */
public final class LocalCa {

    /** How long before "now" a certificate's validity starts: clocks of a pool differ a little. */
    public static final Duration CLOCK_SKEW = Duration.ofHours(1);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SIGNATURE = "SHA256withECDSA";

    /**
     * A key and its certificate chain (leaf first, then the CA certificate).
     *
     * @param name the certificate's common name (a server name)
     */
    public record Leaf(String name, PrivateKey key, List<X509Certificate> chain) {

        public Leaf {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(key, "key");
            chain = List.copyOf(chain);
        }

        public X509Certificate certificate() {
            return chain.get(0);
        }

        /** A PKCS#12 key store in memory with one key entry, alias {@link #name}, protected by {@code password}. */
        public KeyStore keyStore(char[] password) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry(name, key, password, chain.toArray(new Certificate[0]));
                return ks;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot build a key store for " + name, e);
            }
        }

        /** Writes the chain (PEM, leaf first) to {@code file}. */
        public Path writeChain(Path file) throws IOException {
            Files.writeString(file, pem(chain.toArray()), StandardCharsets.US_ASCII);
            return file;
        }

        /** Writes the key (PKCS#8 PEM, unencrypted, owner-only) to {@code file}. */
        public Path writeKey(Path file) throws IOException {
            return writePrivate(file, pem(new JcaPKCS8Generator(key, null).generate()).getBytes(StandardCharsets.US_ASCII));
        }

        /** Writes key and chain as a PKCS#12 key store protected by {@code password} (owner-only). */
        public Path writePkcs12(Path file, char[] password) throws IOException {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try {
                keyStore(password).store(bytes, password);
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
            }
            return writePrivate(file, bytes.toByteArray());
        }
    }

    private final KeyPair keys;
    private final X509Certificate certificate;

    private LocalCa(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A new CA named {@code name} (its certificate's common name), valid from now (minus {@link #CLOCK_SKEW}) for {@code validity}. */
    public static LocalCa create(String name, Duration validity) {
        return create(name, validity, Clock.systemUTC());
    }

    static LocalCa create(String name, Duration validity, Clock clock) {
        requirePositive(validity);
        KeyPair keys = ecKeys();
        X500Name subject = commonName(name);
        Instant now = clock.instant();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(validity)), subject, keys.getPublic());
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a CA certificate", e);
        }
        return new LocalCa(keys, sign(b, keys.getPrivate()));
    }

    /**
     * The CA in {@code certificateFile} (PEM) and {@code keyFile} (PEM, unencrypted or with
     * {@code keyPassword}), as {@link #writeCertificate}/{@link #writeKey} wrote them; errors
     * name the file ({@link TlsFileException}).
     */
    public static LocalCa load(Path certificateFile, Path keyFile, TlsFiles.Password keyPassword) throws IOException {
        KeyMaterial.Loaded m = KeyMaterial.load(TlsFiles.pem(certificateFile, keyFile, keyPassword, certificateFile),
                Clock.systemUTC());
        X509Certificate ca = m.leaf();
        if (ca.getBasicConstraints() < 0) {
            throw new TlsFileException(certificateFile, "is not a CA certificate (no basicConstraints CA:true)");
        }
        try {
            PrivateKey key = (PrivateKey) m.identity().getKey("identity", m.password());
            return new LocalCa(new KeyPair(ca.getPublicKey(), key), ca);
        } catch (GeneralSecurityException e) {
            throw new TlsFileException(keyFile, "cannot use this key: " + e.getMessage(), e);
        }
    }

    /** The CA certificate: the trust anchor of everything it issues (the pool file's {@code trust file:} line). */
    public X509Certificate certificate() {
        return certificate;
    }

    /** A trust store in memory with this CA as its one anchor. */
    public KeyStore trustStore() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("ca", certificate);
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust store", e);
        }
    }

    /** Writes the CA certificate (PEM) to {@code file}. */
    public Path writeCertificate(Path file) throws IOException {
        Files.writeString(file, pem(certificate), StandardCharsets.US_ASCII);
        return file;
    }

    /** Writes the CA key (PKCS#8 PEM, unencrypted, owner-only) to {@code file}: whoever reads it can issue certificates the pool trusts. */
    public Path writeKey(Path file) throws IOException {
        return writePrivate(file, pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * A new EC P-256 key and a certificate for server {@code name}, valid from now (minus
     * {@link #CLOCK_SKEW}) for {@code validity}, usable as a TLS server and client (servers
     * authenticate each other on the control plane), with {@code subjectAltNames} (DNS names or
     * IP literals, in order, duplicates dropped).
     */
    public Leaf issue(String name, List<String> subjectAltNames, Duration validity) {
        requirePositive(validity);
        Instant now = Instant.now();
        return issue(name, subjectAltNames, now.minus(CLOCK_SKEW), now.plus(validity), ecKeys());
    }

    /** As {@link #issue(String, List, Duration)} with the validity and the key pair given (tests: expired or RSA certificates). */
    public Leaf issue(String name, List<String> subjectAltNames, Instant notBefore, Instant notAfter, KeyPair leafKeys) {
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
                Date.from(notBefore), Date.from(notAfter), commonName(name), leafKeys.getPublic());
        try {
            List<GeneralName> names = new ArrayList<>();
            for (String san : subjectAltNames.stream().distinct().toList()) {
                names.add(isIpLiteral(san) ? new GeneralName(GeneralName.iPAddress, san) : new GeneralName(GeneralName.dNSName, san));
            }
            if (!names.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            }
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | keyEncipherment(leafKeys.getPublic())));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(leafKeys.getPublic()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a certificate for " + name, e);
        }
        return new Leaf(name, leafKeys.getPrivate(), List.of(sign(b, keys.getPrivate()), certificate));
    }

    /** A new EC P-256 key pair (the curve every TLS 1.3 stack speaks). */
    public static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 in this JDK", e);
        }
    }

    /** {@code objects} (certificates, keys, PEM objects) as PEM text. */
    public static String pem(Object... objects) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            for (Object o : objects) {
                p.writeObject(o);
            }
        }
        return w.toString();
    }

    /**
     * Writes {@code content} to {@code file} readable by its owner only (0600) where the file
     * system has POSIX permissions: the file is created with them, so the key is never readable
     * by others, not even briefly. An existing file is replaced.
     */
    public static Path writePrivate(Path file, byte[] content) throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.write(tmp, content, StandardOpenOption.TRUNCATE_EXISTING);
                // a rename swaps the file in whole: a watcher never reads half a key
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } else {
            Files.write(file, content);
        }
        return file;
    }

    private static int keyEncipherment(PublicKey key) {
        // RSA key exchange needs it in older TLS; harmless in 1.3, meaningless for EC
        return "RSA".equals(key.getAlgorithm()) ? KeyUsage.keyEncipherment : 0;
    }

    private static X500Name commonName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a certificate needs a name");
        }
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
    }

    private static void requirePositive(Duration validity) {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("a validity must be positive, not " + validity);
        }
    }

    private static boolean isIpLiteral(String s) {
        return s.matches("\\d{1,3}(\\.\\d{1,3}){3}") || s.contains(":");
    }

    /** 159 random bits: unique without coordination between CAs or runs (RFC 5280 allows up to 20 octets, positive). */
    private static BigInteger serial() {
        return new BigInteger(159, RANDOM).setBit(0);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a certificate", e);
        }
    }
}
