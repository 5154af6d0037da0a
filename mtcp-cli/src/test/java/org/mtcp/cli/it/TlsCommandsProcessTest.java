package org.mtcp.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.cli.support.LocalPool;
import org.mtcp.cli.support.PoolFiles;
import org.mtcp.cli.support.TestFiles;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.core.tls.TlsFiles;

/**
 * The operator's path to TLS with real processes: {@code mtcp certs init} makes the keys, two
 * {@code file-server}s and a {@code proxy} (with a client certificate) run TLS 1.3 on every link,
 * curl downloads through the proxy byte-exact; then a server's key and the proxy's key are
 * replaced while everything runs ({@code certs issue --force}): the new certificate is in use
 * for new links without a restart, and downloads keep working.
 */
@Timeout(240)
class TlsCommandsProcessTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int SIZE = 2 * 1024 * 1024 + 5;
    private static final Pattern LISTENING = Pattern.compile("proxy listening on 127\\.0\\.0\\.1:(\\d+) ");
    private static final Pattern SERIAL = Pattern.compile("serial ([0-9a-f]+)");

    @TempDir
    Path work;
    private final List<CliProcess> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
    }

    @Test
    void certsInitThenServersAndProxyOverTlsAndKeysReplacedWhileRunning() throws Exception {
        Path file = TestFiles.random(work.resolve("files/big.bin"), SIZE, 11);
        Path certs = work.resolve("certs");
        CommandLineTest.Result init = CommandLineTest.run("certs", "init", "--dir", certs.toString(), "--servers", "s1,s2",
                "--hosts", "s1=s1.example.net", "--validity", "30d");
        assertThat(init.exit()).as(init.err()).isZero();
        assertThat(init.out()).contains("wrote " + certs.resolve("ca.crt"), "wrote " + certs.resolve("s1.crt"),
                "names [s1, s1.example.net, localhost, 127.0.0.1]", "names [s2, localhost, 127.0.0.1]",
                "trust file:" + certs.toAbsolutePath().resolve("ca.crt"));
        for (String key : List.of("ca.key", "s1.key", "s2.key")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.resolve(key)))).isEqualTo("rw-------");
        }
        CommandLineTest.Result again = CommandLineTest.run("certs", "init", "--dir", certs.toString(), "--servers", "s1,s2");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("refusing to overwrite", "ca.key", "--force");
        assertThat(CommandLineTest.run("certs", "issue", "proxy", "--ca-dir", certs.toString()).exit()).isZero();

        PoolConfig pool = LocalPool.config(2);
        Path poolFile = PoolFiles.write(work.resolve("pool.conf"), pool, certs.resolve("ca.crt"));
        for (PoolMember m : pool.members()) {
            processes.add(CliProcess.mtcp(m.name(), List.of("file-server", "--pool", poolFile.toString(), "--name", m.name(),
                    "--dir", work.resolve("files").toString(), "--tls-cert", certs.resolve(m.name() + ".crt").toString(),
                    "--tls-key", certs.resolve(m.name() + ".key").toString())));
        }
        for (CliProcess p : processes) {
            assertThat(p.awaitLine(l -> l.contains(" ready service="), WAIT)).containsPattern("links=TLS 1.3 cert=\"CN=s\\d\" expires=20");
        }
        CliProcess s1 = processes.get(0);
        CliProcess proxy = CliProcess.mtcp("proxy", List.of("proxy", "--pool", poolFile.toString(), "--listen", "127.0.0.1:0",
                "--tls-cert", certs.resolve("proxy.crt").toString(), "--tls-key", certs.resolve("proxy.key").toString()));
        processes.add(proxy);
        String listening = proxy.awaitLine(l -> LISTENING.matcher(l).find(), WAIT);
        assertThat(listening).contains("links=TLS 1.3 cert=\"CN=proxy\"");
        Matcher port = LISTENING.matcher(listening);
        assertThat(port.find()).isTrue();
        int proxyPort = Integer.parseInt(port.group(1));

        assertThat(TestFiles.sha256(curl(proxyPort, "first.bin", proxy))).isEqualTo(TestFiles.sha256(file));
        int s1Port = pool.members().get(0).service().getPort();
        BigInteger before = serverSerial(certs, s1Port);

        // s1's key replaced while it runs: its file watcher loads it; new links get it
        CommandLineTest.Result renew = CommandLineTest.run("certs", "issue", "s1", "--ca-dir", certs.toString(), "--force");
        assertThat(renew.exit()).as(renew.err()).isZero();
        Matcher serial = SERIAL.matcher(renew.out());
        assertThat(serial.find()).isTrue();
        BigInteger renewed = new BigInteger(serial.group(1), 16);
        assertThat(renewed).isNotEqualTo(before);
        await("s1 reloads its key").atMost(WAIT).until(() -> s1.stderr().stream()
                .anyMatch(l -> l.contains("TLS keys reloaded") && l.contains("serial " + serial.group(1))));
        assertThat(serverSerial(certs, s1Port)).isEqualTo(renewed);

        // the proxy's client key too
        CommandLineTest.Result proxyKey = CommandLineTest.run("certs", "issue", "proxy", "--ca-dir", certs.toString(), "--force");
        assertThat(proxyKey.exit()).isZero();
        Matcher proxySerial = SERIAL.matcher(proxyKey.out());
        assertThat(proxySerial.find()).isTrue();
        await("the proxy reloads its key").atMost(WAIT).until(() -> proxy.stderr().stream()
                .anyMatch(l -> l.contains("TLS keys reloaded") && l.contains("serial " + proxySerial.group(1))));

        // connections after the change work, byte-exact
        assertThat(TestFiles.sha256(curl(proxyPort, "second.bin", proxy))).isEqualTo(TestFiles.sha256(file));
        try (CliProcess get = CliProcess.mtcp("get", List.of("get", "--pool", poolFile.toString(), "/big.bin",
                "--migrate-every", "512k"))) {
            assertThat(get.awaitExit(WAIT)).as(get.output()).isZero();
            Matcher json = GetCommandTest.JSON.matcher(get.stdout().get(0));
            assertThat(json.matches()).as(get.output()).isTrue();
            assertThat(json.group(3)).isEqualTo(TestFiles.sha256(file));
            assertThat(Integer.parseInt(json.group(4))).isEqualTo(4);   // every migration a new TLS link, to s1 or s2
        }

        // SIGHUP reloads the TLS files as well as the pool file
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(proxy.process().pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
        assertThat(proxy.awaitLine(l -> l.contains(" tls reloaded: "), WAIT)).contains("links=TLS 1.3 cert=\"CN=proxy\"");
        assertThat(proxy.awaitLine(l -> l.contains(" pool reloaded from "), WAIT)).contains("unchanged");
    }

    /** The serial of the certificate s1 presents to a new TLS link now. */
    private static BigInteger serverSerial(Path certs, int port) throws Exception {
        TlsConfig client = TlsConfig.load(TlsFiles.trustOnly(certs.resolve("ca.crt")));
        try (SSLSocket s = client.client(new Socket("127.0.0.1", port), "127.0.0.1", port)) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private Path curl(int port, String name, CliProcess proxy) throws Exception {
        Path out = work.resolve(name);
        try (CliProcess curl = CliProcess.start("curl", List.of("/usr/bin/curl", "--silent", "--show-error", "--fail",
                "--max-time", "120", "--output", out.toString(), "http://127.0.0.1:" + port + "/big.bin"))) {
            assertThat(curl.awaitExit(Duration.ofSeconds(150))).as(curl.output() + "\n" + proxy.output()).isZero();
        }
        return out;
    }
}
