package org.mtcp.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.tls.TlsFiles.Password;
import org.mtcp.testkit.TestPki;
import org.mtcp.testkit.TestPki.KeyFormat;

/** Key material read from each file format, a real handshake with it, and each error's message. */
class TlsFilesTest {

    static TestPki pki;
    static TestPki.Issued server;
    @TempDir
    static Path dir;
    static Path trustPem;
    static Path chain;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.create("files-ca");
        server = pki.issue("server");
        trustPem = pki.writeCaPem(dir);
        chain = server.writeChain(dir.resolve("server.crt"));
    }

    /** A handshake with {@code config} as the server; returns the serial the client saw. */
    static java.math.BigInteger handshake(TlsConfig config) throws Exception {
        try (TlsLinks links = new TlsLinks(config);
                SSLSocket link = links.connect(TlsConfig.load(TlsFiles.trustOnly(trustPem)))) {
            assertThat(TlsLinks.echo(link, 42)).isEqualTo(42);
            return TlsLinks.serverSerial(link);
        }
    }

    @Test
    void pemIdentityInEveryKeyFormatServesAHandshake() throws Exception {
        Path pkcs8 = server.writeKey(dir.resolve("pkcs8.key"), KeyFormat.PKCS8, null);
        Path sec1 = server.writeKey(dir.resolve("sec1.key"), KeyFormat.TRADITIONAL, null);
        Path encrypted = server.writeKey(dir.resolve("enc.key"), KeyFormat.ENCRYPTED_PKCS8, "s3cret".toCharArray());
        assertThat(Files.readString(sec1)).contains("BEGIN EC PRIVATE KEY");
        assertThat(Files.readString(encrypted)).contains("BEGIN ENCRYPTED PRIVATE KEY");
        Files.writeString(dir.resolve("pw.txt"), "s3cret\n");

        for (TlsFiles f : List.of(TlsFiles.pem(chain, pkcs8, Password.none(), trustPem),
                TlsFiles.pem(chain, sec1, Password.none(), trustPem),
                TlsFiles.pem(chain, encrypted, Password.of("s3cret".toCharArray()), trustPem),
                TlsFiles.pem(chain, encrypted, Password.file(dir.resolve("pw.txt")), trustPem))) {
            TlsConfig config = TlsConfig.load(f);
            assertThat(config.hasIdentity()).isTrue();
            assertThat(config.certificate().orElseThrow().getSerialNumber())
                    .isEqualTo(server.certificate().getSerialNumber());
            assertThat(handshake(config)).as("%s", f.privateKey()).isEqualTo(server.certificate().getSerialNumber());
        }
    }

    @Test
    void rsaPkcs1Key() throws Exception {
        TestPki.Issued rsa = pki.issueRsa("rsa-server");
        Path key = rsa.writeKey(dir.resolve("rsa.key"), KeyFormat.TRADITIONAL, null);
        assertThat(Files.readString(key)).contains("BEGIN RSA PRIVATE KEY");
        TlsConfig config = TlsConfig.load(TlsFiles.pem(rsa.writeChain(dir.resolve("rsa.crt")), key, Password.none(), trustPem));
        assertThat(handshake(config)).isEqualTo(rsa.certificate().getSerialNumber());
    }

    @Test
    void pkcs12IdentityAndPkcs12TrustStore() throws Exception {
        Path p12 = server.writePkcs12(dir);
        Path trustP12 = pki.writeTrustStore(dir);
        TlsConfig config = TlsConfig.load(TlsFiles.keyStore(p12, Password.of(TestPki.PASSWORD), trustPem));
        assertThat(handshake(config)).isEqualTo(server.certificate().getSerialNumber());

        TlsConfig client = TlsConfig.load(TlsFiles.trustOnly(trustP12).withTrustPassword(Password.of(TestPki.PASSWORD)));
        assertThat(client.hasIdentity()).isFalse();
        try (TlsLinks links = new TlsLinks(config); SSLSocket link = links.connect(client)) {
            assertThat(TlsLinks.serverSerial(link)).isEqualTo(server.certificate().getSerialNumber());
        }
    }

    @Test
    void trustStoresInPkcs12AndJks() throws Exception {
        TlsConfig serverConfig = TlsConfig.load(TlsFiles.pem(chain, server.writeKey(dir.resolve("t.key"), KeyFormat.PKCS8, null),
                Password.none(), trustPem));
        java.security.KeyStore jks = java.security.KeyStore.getInstance("JKS");
        jks.load(null, null);
        jks.setCertificateEntry("ca", pki.caCertificate());
        Path jksFile = dir.resolve("trust.jks");
        try (java.io.OutputStream out = Files.newOutputStream(jksFile)) {
            jks.store(out, "jkspass".toCharArray());
        }
        for (TlsFiles f : List.of(TlsFiles.trustOnly(jksFile).withTrustPassword(Password.of("jkspass".toCharArray())),
                TlsFiles.trustOnly(jksFile))) {   // a JKS store's certificates are readable without its password
            try (TlsLinks links = new TlsLinks(serverConfig); SSLSocket link = links.connect(TlsConfig.load(f))) {
                assertThat(TlsLinks.serverSerial(link)).isEqualTo(server.certificate().getSerialNumber());
            }
        }
        Path p12 = pki.writeTrustStore(dir);
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.trustOnly(p12).withTrustPassword(Password.of("bad".toCharArray()))))
                .hasMessage(p12 + ": wrong password for this trust store");
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.trustOnly(p12)))
                .hasMessage(p12 + ": no certificate in this trust store (a password-protected store? give its password)");
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.trustOnly(p12).withTrustPassword(Password.environment("MTCP_TEST_UNSET_VARIABLE"))))
                .isInstanceOf(TlsFileException.class)
                .hasMessage(p12 + ": its password variable MTCP_TEST_UNSET_VARIABLE is not set");
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.trustOnly(jksFile).withTrustPassword(Password.of("bad".toCharArray()))))
                .hasMessage(jksFile + ": wrong password for this trust store");
    }

    @Test
    void errorsNameTheFileAndTheProblem() throws Exception {
        Path key = server.writeKey(dir.resolve("err.key"), KeyFormat.PKCS8, null);
        Path missing = dir.resolve("missing.crt");
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.pem(missing, key, Password.none(), trustPem)))
                .isInstanceOf(TlsFileException.class).hasMessage(missing + ": no such certificate chain file");

        Path notPem = Files.writeString(dir.resolve("notpem.crt"), "hello, I am not a certificate\n");
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.pem(notPem, key, Password.none(), trustPem)))
                .hasMessage(notPem + ": not a PEM certificate chain (no '-----BEGIN' line)");

        // the key file given as the chain: PEM, but no certificate in it
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.pem(key, key, Password.none(), trustPem)))
                .hasMessage(key + ": no CERTIFICATE block in this certificate chain (found: [PRIVATE KEY])");

        // another certificate's key
        Path otherKey = pki.issue("other").writeKey(dir.resolve("other.key"), KeyFormat.PKCS8, null);
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.pem(chain, otherKey, Password.none(), trustPem)))
                .isInstanceOf(TlsFileException.class)
                .hasMessageStartingWith(otherKey + ": the key does not match the certificate of " + chain)
                .hasMessageContaining("CN=server");

        // an RSA key for an EC certificate
        Path rsaKey = pki.issueRsa("r").writeKey(dir.resolve("r.key"), KeyFormat.PKCS8, null);
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.pem(chain, rsaKey, Password.none(), trustPem)))
                .hasMessageStartingWith(rsaKey + ": the key does not match the certificate of " + chain);

        // encrypted key: no password, wrong password
        Path enc = server.writeKey(dir.resolve("err-enc.key"), KeyFormat.ENCRYPTED_PKCS8, "right".toCharArray());
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.pem(chain, enc, Password.none(), trustPem)))
                .hasMessage(enc + ": the private key is encrypted and no password was given");
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.pem(chain, enc, Password.of("wrong".toCharArray()), trustPem)))
                .hasMessage(enc + ": wrong password for the encrypted private key");

        // a chain file given as the key
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.pem(chain, chain, Password.none(), trustPem)))
                .hasMessageStartingWith(chain + ": no private key in this file (found: [CERTIFICATE CN=server");

        // key stores: wrong password, not a key store, no key entry
        Path p12 = server.writePkcs12(dir);
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.keyStore(p12, Password.of("nope".toCharArray()), trustPem)))
                .hasMessage(p12 + ": wrong password for this key store");
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.keyStore(notPem, Password.of(TestPki.PASSWORD), trustPem)))
                .hasMessageStartingWith(notPem + ": not a");
        Path trustP12 = pki.writeTrustStore(dir);
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.keyStore(trustP12, Password.of(TestPki.PASSWORD), trustPem)))
                .hasMessage(trustP12 + ": no private key entry in this key store (certificate entries only: [files-ca])");

        // trust: missing, a PEM without certificates
        Path noTrust = dir.resolve("no-ca.pem");
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.trustOnly(noTrust)))
                .hasMessage(noTrust + ": no such trust anchor file");
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.trustOnly(key)))
                .hasMessage(key + ": no CERTIFICATE block in this trust anchor bundle (found: [PRIVATE KEY])");

        // a half-written PEM block
        String whole = Files.readString(chain);
        Path half = Files.writeString(dir.resolve("half.crt"), whole.substring(0, whole.length() / 3));
        assertThatThrownBy(() -> TlsConfig.load(TlsFiles.pem(half, key, Password.none(), trustPem)))
                .isInstanceOf(TlsFileException.class).hasMessageStartingWith(half + ": ");
    }

    @Test
    void certificatesOutsideTheirValidityOrExpiringSoonAreWarnedWithTheirDates() throws Exception {
        Instant now = Instant.now();
        TestPki.Issued expired = pki.issueExpired("old");
        TestPki.Issued future = pki.issue("future", now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), List.of("localhost"));
        TestPki.Issued soon = pki.issue("soon", now.minus(Duration.ofDays(1)), now.plus(Duration.ofHours(73)), List.of("localhost"));
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);

        List<String> w = warnings(expired, clock);
        assertThat(w).singleElement().asString().contains("has EXPIRED").contains("CN=old")
                .contains("to " + expired.certificate().getNotAfter().toInstant());
        assertThat(warnings(future, clock)).singleElement().asString().contains("is NOT YET VALID")
                .contains("valid from " + future.certificate().getNotBefore().toInstant());
        assertThat(warnings(soon, clock)).singleElement().asString().contains("expires in 72 hours");
        assertThat(warnings(server, clock)).singleElement().asString()
                .as("the test CA's server certificate lives a day").contains("expires in");
        assertThat(warnings(server, Clock.fixed(now.minus(Duration.ofDays(20)), ZoneOffset.UTC)))
                .as("the trust anchors are checked too").hasSize(2)
                .anySatisfy(s -> assertThat(s).contains("CN=server").contains("NOT YET VALID"))
                .anySatisfy(s -> assertThat(s).contains(trustPem + ": the certificate CN=files-ca").contains("NOT YET VALID"));
        // ... and a certificate far from both ends is not warned about (the CA lives a year)
        TestPki.Issued fine = pki.issue("fine", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(90)), List.of("localhost"));
        assertThat(warnings(fine, clock)).isEmpty();
    }

    private static List<String> warnings(TestPki.Issued issued, Clock clock) throws Exception {
        Path crt = issued.writeChain(dir.resolve(issued.name() + "-w.crt"));
        Path key = issued.writeKey(dir.resolve(issued.name() + "-w.key"), KeyFormat.PKCS8, null);
        return KeyMaterial.load(TlsFiles.pem(crt, key, Password.none(), trustPem), clock).warnings();
    }
}
