package org.mtcp.core.tls;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

/**
 * Reads {@link TlsFiles} into key stores, checking what can be checked before a handshake needs
 * it: each file exists and has the expected format, the key matches the certificate, passwords
 * are right. Every error names its file. A certificate outside its validity, or expiring within
 * {@link #EXPIRY_WARNING}, is a warning (the peer decides), returned with the material.
 */
final class KeyMaterial {

    /** A certificate expiring sooner than this is worth a warning at every load. */
    static final Duration EXPIRY_WARNING = Duration.ofDays(14);

    /** The password of the in-memory key store holding a PEM identity (never written anywhere). */
    private static final char[] IN_MEMORY = "mtcp-in-memory".toCharArray();
    private static final String PEM_BEGIN = "-----BEGIN ";
    /**
     * Bouncy Castle's provider, for decrypting keys only (the JDK lacks some of the PKCS#5/#8
     * ciphers OpenSSL uses); never installed in the JVM's provider list.
     */
    private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();

    /** What the files hold; {@code identity} and {@code leaf} are null without an identity. */
    record Loaded(KeyStore identity, char[] password, KeyStore trust, X509Certificate leaf, List<String> warnings) {}

    private KeyMaterial() {}

    static Loaded load(TlsFiles files, Clock clock) throws IOException {
        List<String> warnings = new ArrayList<>();
        Instant now = clock.instant();
        KeyStore identity = null;
        char[] password = null;
        X509Certificate leaf = null;
        if (files.certificateChain() != null) {
            List<X509Certificate> chain = certificates(files.certificateChain(), "certificate chain");
            PrivateKey key = privateKey(files.privateKey(), files.password());
            leaf = chain.get(0);
            checkMatch(key, leaf, files.privateKey(), files.certificateChain());
            password = IN_MEMORY.clone();
            identity = emptyStore();
            try {
                identity.setKeyEntry("identity", key, password, chain.toArray(new Certificate[0]));
            } catch (KeyStoreException e) {
                throw new TlsFileException(files.privateKey(), "cannot hold this key: " + e.getMessage(), e);
            }
            validity(leaf, files.certificateChain(), now, warnings);
        } else if (files.keyStore() != null) {
            password = files.password().read(files.keyStore());
            identity = keyStore(files.keyStore(), password, "key store");
            leaf = keyEntry(identity, files.keyStore(), password);
            validity(leaf, files.keyStore(), now, warnings);
        }
        KeyStore trust = trust(files.trust(), files.trustPassword(), now, warnings);
        return new Loaded(identity, password, trust, leaf, List.copyOf(warnings));
    }

    // ---------------------------------------------------------------- PEM

    private static String readText(Path file, String what) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);   // PEM is ASCII; never fails to decode
        } catch (NoSuchFileException e) {
            throw new TlsFileException(file, "no such " + what + " file", e);
        } catch (AccessDeniedException e) {
            throw new TlsFileException(file, "cannot read the " + what + " file: permission denied", e);
        } catch (IOException e) {
            throw new TlsFileException(file, "cannot read the " + what + " file: " + e, e);
        }
    }

    /** Every object of a PEM file, which must contain at least one PEM block. */
    private static List<Object> pemObjects(Path file, String text, String what) throws IOException {
        if (!text.contains(PEM_BEGIN)) {
            throw new TlsFileException(file, "not a PEM " + what + " (no '-----BEGIN' line)");
        }
        List<Object> objects = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(text))) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                objects.add(o);
            }
        } catch (IOException | IllegalArgumentException e) {
            // a damaged or half-written block: BC says what it could not decode
            throw new TlsFileException(file, "damaged PEM " + what + ": " + e.getMessage(), e);
        }
        return objects;
    }

    private static List<X509Certificate> certificates(Path file, String what) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        List<String> others = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object o : pemObjects(file, readText(file, what), what)) {
            if (o instanceof X509CertificateHolder h) {
                try {
                    chain.add(converter.getCertificate(h));
                } catch (java.security.cert.CertificateException e) {
                    throw new TlsFileException(file, "certificate " + (chain.size() + 1) + " cannot be decoded: "
                            + e.getMessage(), e);
                }
            } else {
                others.add(kind(o));
            }
        }
        if (chain.isEmpty()) {
            throw new TlsFileException(file, "no CERTIFICATE block in this " + what + " (found: " + others + ")");
        }
        return chain;
    }

    private static PrivateKey privateKey(Path file, TlsFiles.Password password) throws IOException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        List<String> others = new ArrayList<>();
        for (Object o : pemObjects(file, readText(file, "private key"), "private key")) {
            try {
                switch (o) {
                    case PrivateKeyInfo info -> {   // PKCS#8 "PRIVATE KEY"
                        return converter.getPrivateKey(info);
                    }
                    case PEMKeyPair pair -> {   // PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY"
                        // the private part alone: a SEC1 key may omit its (optional) public key
                        return converter.getPrivateKey(pair.getPrivateKeyInfo());
                    }
                    case PKCS8EncryptedPrivateKeyInfo encrypted -> {   // "ENCRYPTED PRIVATE KEY"
                        char[] pw = needPassword(file, password);
                        try {
                            return converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(
                                    new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(pw)));
                        } catch (PKCSException e) {
                            throw new TlsFileException(file, "wrong password for the encrypted private key", e);
                        }
                    }
                    case PEMEncryptedKeyPair encrypted -> {   // legacy OpenSSL "Proc-Type: 4,ENCRYPTED"
                        char[] pw = needPassword(file, password);
                        try {
                            return converter.getKeyPair(encrypted.decryptKeyPair(
                                    new JcePEMDecryptorProviderBuilder().setProvider(BC).build(pw))).getPrivate();
                        } catch (PEMException e) {
                            throw new TlsFileException(file, "wrong password for the encrypted private key", e);
                        }
                    }
                    case ASN1ObjectIdentifier curve -> {
                        // "EC PARAMETERS" before a SEC1 key (openssl ecparam -genkey): the key names its curve too
                    }
                    default -> others.add(kind(o));
                }
            } catch (PEMException | OperatorCreationException e) {
                throw new TlsFileException(file, "the private key cannot be decoded: " + e.getMessage(), e);
            }
        }
        throw new TlsFileException(file, "no private key in this file (found: " + others + ")");
    }

    private static char[] needPassword(Path file, TlsFiles.Password password) throws IOException {
        char[] pw = password.read(file);
        if (pw == null) {
            throw new TlsFileException(file, "the private key is encrypted and no password was given");
        }
        return pw;
    }

    private static String kind(Object o) {
        return switch (o) {
            case X509CertificateHolder h -> "CERTIFICATE " + h.getSubject();
            case PrivateKeyInfo i -> "PRIVATE KEY";
            case PEMKeyPair p -> "PRIVATE KEY (PKCS#1/SEC1)";
            case PKCS8EncryptedPrivateKeyInfo i -> "ENCRYPTED PRIVATE KEY";
            default -> o.getClass().getSimpleName();
        };
    }

    /** A signature by {@code key} must verify with the certificate's public key. */
    private static void checkMatch(PrivateKey key, X509Certificate leaf, Path keyFile, Path chainFile) throws IOException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> null;
        };
        if (algorithm == null) {
            throw new TlsFileException(keyFile, "a " + key.getAlgorithm() + " key cannot serve TLS here (RSA, EC or EdDSA)");
        }
        if (!key.getAlgorithm().equals(leaf.getPublicKey().getAlgorithm())
                && !(algorithm.equals("Ed25519") && leaf.getPublicKey().getAlgorithm().startsWith("Ed"))) {
            throw new TlsFileException(keyFile, "the key does not match the certificate of " + chainFile + " (a "
                    + key.getAlgorithm() + " key, a " + leaf.getPublicKey().getAlgorithm() + " certificate)");
        }
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                signer.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                verifier.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            // another curve or key size than the certificate's: the key cannot be the certificate's
            matches = false;
        }
        if (!matches) {
            throw new TlsFileException(keyFile, "the key does not match the certificate of " + chainFile
                    + " (" + leaf.getSubjectX500Principal().getName() + ", serial " + leaf.getSerialNumber().toString(16) + ")");
        }
    }

    // ---------------------------------------------------------------- key stores

    private static KeyStore emptyStore() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("no PKCS12 key store in this JDK", e);
        }
    }

    /** A PKCS#12 or JKS store (the JDK recognises which). */
    private static KeyStore keyStore(Path file, char[] password, String what) throws IOException {
        readText(file, what);   // the "no such file" and permission errors, said the same way as for PEM
        try {
            return KeyStore.getInstance(file.toFile(), password);
        } catch (KeyStoreException e) {
            throw new TlsFileException(file, "not a PKCS#12 or JKS " + what + " (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new TlsFileException(file, "wrong password for this " + what, e);
            }
            throw new TlsFileException(file, "not a readable PKCS#12 or JKS " + what + " (" + e.getMessage()
                    + "; damaged, or a wrong password?)", e);
        } catch (GeneralSecurityException e) {
            throw new TlsFileException(file, "cannot open this " + what + ": " + e.getMessage(), e);
        }
    }

    /** The store's one key entry's certificate; checks the key opens with {@code password}. */
    private static X509Certificate keyEntry(KeyStore ks, Path file, char[] password) throws IOException {
        try {
            List<String> keys = new ArrayList<>();
            List<String> certs = new ArrayList<>();
            for (String alias : Collections.list(ks.aliases())) {
                (ks.isKeyEntry(alias) ? keys : certs).add(alias);
            }
            if (keys.isEmpty()) {
                throw new TlsFileException(file, "no private key entry in this key store (certificate entries only: "
                        + certs + ")");
            }
            if (keys.size() > 1) {
                throw new TlsFileException(file, "several private key entries " + keys + "; a server's key store must"
                        + " hold exactly one");
            }
            try {
                if (ks.getKey(keys.get(0), password) == null) {
                    throw new TlsFileException(file, "the entry '" + keys.get(0) + "' has no private key");
                }
            } catch (UnrecoverableKeyException e) {
                throw new TlsFileException(file, "wrong password for the key entry '" + keys.get(0) + "'", e);
            }
            Certificate c = ks.getCertificate(keys.get(0));
            if (!(c instanceof X509Certificate x)) {
                throw new TlsFileException(file, "the key entry '" + keys.get(0) + "' has no X.509 certificate");
            }
            return x;
        } catch (GeneralSecurityException e) {
            throw new TlsFileException(file, "cannot read the key entry: " + e.getMessage(), e);
        }
    }

    private static KeyStore trust(Path file, TlsFiles.Password password, Instant now, List<String> warnings)
            throws IOException {
        String text = readText(file, "trust anchor");
        KeyStore trust;
        int anchors = 0;
        try {
            if (text.stripLeading().startsWith("-----") || text.contains(PEM_BEGIN)) {
                trust = emptyStore();
                for (X509Certificate c : certificates(file, "trust anchor bundle")) {
                    trust.setCertificateEntry("anchor-" + (++anchors), c);
                    validity(c, file, now, warnings);
                }
            } else {
                trust = keyStore(file, password.read(file), "trust store");
                for (String alias : Collections.list(trust.aliases())) {
                    if (trust.getCertificate(alias) instanceof X509Certificate c) {
                        anchors++;
                        validity(c, file, now, warnings);
                    }
                }
            }
        } catch (KeyStoreException e) {
            throw new TlsFileException(file, "cannot read the trust anchors: " + e.getMessage(), e);
        }
        if (anchors == 0) {
            throw new TlsFileException(file, "no certificate in this trust store" + (password.isNone()
                    ? " (a password-protected store? give its password)" : ""));
        }
        return trust;
    }

    // ---------------------------------------------------------------- validity

    private static void validity(X509Certificate c, Path file, Instant now, List<String> warnings) {
        String dates = "valid from " + c.getNotBefore().toInstant() + " to " + c.getNotAfter().toInstant();
        String who = file + ": the certificate " + c.getSubjectX500Principal().getName() + " (serial "
                + c.getSerialNumber().toString(16) + ")";
        if (now.isAfter(c.getNotAfter().toInstant())) {
            warnings.add(who + " has EXPIRED: " + dates + "; peers will refuse it");
        } else if (now.isBefore(c.getNotBefore().toInstant())) {
            warnings.add(who + " is NOT YET VALID: " + dates + "; peers will refuse it (clock skew?)");
        } else if (now.plus(EXPIRY_WARNING).isAfter(c.getNotAfter().toInstant())) {
            warnings.add(who + " expires in " + Duration.between(now, c.getNotAfter().toInstant()).toHours()
                    + " hours: " + dates + "; renew it");
        }
    }
}
