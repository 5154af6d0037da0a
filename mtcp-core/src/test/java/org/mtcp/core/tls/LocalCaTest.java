package org.mtcp.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production CA: what it writes is what TlsConfig loads, and a real TLS 1.3 handshake works with it. */
class LocalCaTest {

    @TempDir
    Path dir;

    @Test
    void aCaWrittenAndLoadedBackIssuesPemAndPkcs12FilesThatHandshakeMutually() throws Exception {
        LocalCa created = LocalCa.create("pool-ca", Duration.ofDays(30));
        Path caCrt = created.writeCertificate(dir.resolve("ca.crt"));
        Path caKey = created.writeKey(dir.resolve("ca.key"));
        LocalCa ca = LocalCa.load(caCrt, caKey, TlsFiles.Password.none());
        assertThat(ca.certificate()).isEqualTo(created.certificate());

        LocalCa.Leaf s1 = ca.issue("s1", List.of("s1", "s1.example.net", "localhost", "127.0.0.1", "localhost"), Duration.ofDays(7));
        Path crt = s1.writeChain(dir.resolve("s1.crt"));
        Path key = s1.writeKey(dir.resolve("s1.key"));
        LocalCa.Leaf s2 = ca.issue("s2", List.of("s2", "localhost"), Duration.ofDays(7));
        char[] password = "p12-secret".toCharArray();
        Path p12 = s2.writePkcs12(dir.resolve("s2.p12"), password);

        X509Certificate leaf = s1.certificate();
        assertThat(leaf.getSubjectAlternativeNames().stream().map(san -> (Object) san.get(1)).toList())
                .containsExactly("s1", "s1.example.net", "localhost", "127.0.0.1");
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        assertThat(leaf.getNotAfter().toInstant()).isBetween(Instant.now().plus(Duration.ofDays(6)), Instant.now().plus(Duration.ofDays(8)));
        assertThat(leaf.getSerialNumber()).isNotEqualTo(s2.certificate().getSerialNumber());
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            for (Path secret : List.of(caKey, key, p12)) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).as(secret.toString()).isEqualTo("rw-------");
            }
        }

        TlsConfig server = TlsConfig.load(TlsFiles.pem(crt, key, TlsFiles.Password.none(), caCrt));
        TlsConfig client = TlsConfig.load(TlsFiles.keyStore(p12, TlsFiles.Password.of(password), caCrt));
        assertThat(server.certificate()).contains(leaf);
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> peer = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = server.server(listener.accept(), true)) {
                    s.getOutputStream().write(s.getInputStream().readNBytes(4));
                    return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // "localhost" is checked against the SANs (hostname verification)
            try (SSLSocket s = client.client(new Socket("127.0.0.1", listener.getLocalPort()), "localhost", listener.getLocalPort())) {
                s.getOutputStream().write("ping".getBytes());
                assertThat(new String(s.getInputStream().readNBytes(4))).isEqualTo("ping");
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
                assertThat(s.getSession().getPeerCertificates()[0]).isEqualTo(leaf);
            }
            assertThat(peer.get(10, TimeUnit.SECONDS)).isEqualTo("CN=s2");
        }
    }

    @Test
    void aNameMissingFromTheSubjectAltNamesFailsHostnameVerification() throws Exception {
        LocalCa ca = LocalCa.create("pool-ca", Duration.ofDays(1));
        Path caCrt = ca.writeCertificate(dir.resolve("ca.crt"));
        LocalCa.Leaf s1 = ca.issue("s1", List.of("s1", "127.0.0.1"), Duration.ofDays(1));
        TlsConfig server = TlsConfig.load(TlsFiles.pem(s1.writeChain(dir.resolve("s1.crt")), s1.writeKey(dir.resolve("s1.key")),
                TlsFiles.Password.none(), caCrt));
        TlsConfig client = TlsConfig.load(TlsFiles.trustOnly(caCrt));
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                try (SSLSocket s = server.server(listener.accept(), false)) {
                    s.startHandshake();
                } catch (Exception e) {
                    // expected: the client aborts the handshake
                }
            });
            try (SSLSocket s = client.client(new Socket("127.0.0.1", listener.getLocalPort()), "localhost", listener.getLocalPort())) {
                assertThatThrownBy(s::startHandshake).isInstanceOf(SSLHandshakeException.class);
            }
        }
    }

    @Test
    void loadingALeafAsTheCaIsRefusedNamingTheFile() throws Exception {
        LocalCa ca = LocalCa.create("pool-ca", Duration.ofDays(1));
        LocalCa.Leaf s1 = ca.issue("s1", List.of("s1"), Duration.ofDays(1));
        Path crt = s1.writeChain(dir.resolve("s1.crt"));
        Path key = s1.writeKey(dir.resolve("s1.key"));
        assertThatThrownBy(() -> LocalCa.load(crt, key, TlsFiles.Password.none()))
                .isInstanceOf(TlsFileException.class).hasMessageContaining("s1.crt").hasMessageContaining("not a CA");
    }

    @Test
    void aZeroValidityIsRefused() {
        assertThatThrownBy(() -> LocalCa.create("ca", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
