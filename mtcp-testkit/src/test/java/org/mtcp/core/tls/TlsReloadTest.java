package org.mtcp.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.tls.TlsFiles.Password;
import org.mtcp.testkit.TestPki;
import org.mtcp.testkit.TestPki.KeyFormat;

/**
 * Keys replaced under a running TLS server: new links get the new certificate, established links
 * keep working on theirs, and files that cannot be used leave the keys in use in place.
 */
class TlsReloadTest {

    @TempDir
    Path dir;

    @Test
    void aWatchedConfigurationHandsNewLinksTheNewKeysAndKeepsTheOldOnBrokenFiles() throws Exception {
        TestPki pki = TestPki.create("reload-ca");
        TestPki.Issued first = pki.issue("server");
        TestPki.Issued second = pki.issue("server");
        Path crt = dir.resolve("server.crt");
        Path key = dir.resolve("server.key");
        first.writeChain(crt);
        first.writeKey(key, KeyFormat.PKCS8, null);
        TlsConfig config = TlsConfig.load(TlsFiles.pem(crt, key, Password.none(), pki.writeCaPem(dir)));
        TlsConfig client = TlsConfig.of(null, null, pki.trustStore());
        BigInteger serial1 = first.certificate().getSerialNumber();
        BigInteger serial2 = second.certificate().getSerialNumber();

        try (FileWatcher watcher = FileWatcher.start("tls-reload-test-watch", Duration.ofMillis(50));
                FileWatcher.Watch watch = config.watch(watcher);
                TlsLinks server = new TlsLinks(config);
                SSLSocket established = server.connect(client)) {
            assertThat(TlsLinks.serverSerial(established)).isEqualTo(serial1);
            assertThat(TlsLinks.echo(established, 1)).isEqualTo(1);

            // Replace both files (the watcher may see the new chain with the old key in between:
            // that reload fails and keeps the first keys; the key's change is seen next).
            second.writeChain(crt);
            second.writeKey(key, KeyFormat.PKCS8, null);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                try (SSLSocket fresh = server.connect(client)) {
                    return TlsLinks.serverSerial(fresh).equals(serial2);
                }
            });
            assertThat(config.certificate().orElseThrow().getSerialNumber()).isEqualTo(serial2);
            // the link established before the change still carries bytes, on the first certificate
            assertThat(TlsLinks.echo(established, 2)).isEqualTo(2);
            assertThat(TlsLinks.serverSerial(established)).isEqualTo(serial1);

            // A key that is not the certificate's: the reload is refused, the second keys stay.
            watch.close();   // the explicit reload alone, so the outcome is this call's
            pki.issue("intruder").writeKey(key, KeyFormat.PKCS8, null);
            assertThatThrownBy(config::reload).isInstanceOf(TlsFileException.class)
                    .hasMessageStartingWith(key + ": the key does not match the certificate of " + crt);
            // A half-written chain: refused the same way.
            String whole = Files.readString(crt);
            Files.writeString(crt, whole.substring(0, whole.length() / 2));
            assertThatThrownBy(config::reload).isInstanceOf(TlsFileException.class).hasMessageStartingWith(crt + ": ");
            Files.delete(crt);
            assertThatThrownBy(config::reload).hasMessage(crt + ": no such certificate chain file");

            try (SSLSocket fresh = server.connect(client)) {
                assertThat(TlsLinks.serverSerial(fresh)).isEqualTo(serial2);
                assertThat(TlsLinks.echo(fresh, 3)).isEqualTo(3);
            }
            assertThat(TlsLinks.echo(established, 4)).isEqualTo(4);

            // Fixed files: an explicit reload (SIGHUP, admin endpoint) takes them.
            TestPki.Issued third = pki.issue("server");
            third.writeChain(crt);
            third.writeKey(key, KeyFormat.PKCS8, null);
            config.reload();
            try (SSLSocket fresh = server.connect(client)) {
                assertThat(TlsLinks.serverSerial(fresh)).isEqualTo(third.certificate().getSerialNumber());
            }
        }
    }

    @Test
    void aConfigurationFromMemoryHasNothingToReload() throws Exception {
        TestPki pki = TestPki.create("memory-ca");
        TlsConfig config = TlsConfig.of(null, null, pki.trustStore());
        assertThatThrownBy(config::reload).isInstanceOf(IllegalStateException.class)
                .hasMessage("this TLS configuration was not loaded from files");
        assertThat(config.certificate()).isEmpty();
    }
}
