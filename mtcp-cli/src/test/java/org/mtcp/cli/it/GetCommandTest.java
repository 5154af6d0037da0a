package org.mtcp.cli.it;

import org.mtcp.testkit.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.cli.support.LocalPool;
import org.mtcp.cli.support.PoolFiles;
import org.mtcp.cli.support.TestFiles;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;

/**
 * {@code mtcp get} as a real process against two real {@code mtcp file-server} processes, over
 * TLS 1.3 (keys from {@code mtcp certs init}, the trust anchors from the pool file's {@code trust} line).
 */
class GetCommandTest {

    static final int SIZE = 1024 * 1024 + 77;
    static final Pattern JSON = Pattern.compile("^\\{\"status\":(\\d+),\"bytes\":(\\d+),\"sha256\":\"([0-9a-f]{64})\","
            + "\"migrations\":(\\d+),\"servers\":\\[(.*)],\"seconds\":(\\d+\\.\\d{3}),\"cid\":\"([0-9a-f]{32})\"}$");

    @TempDir
    static Path work;
    static Path poolFile;
    static Path certs;
    static Path file;
    static final List<CliProcess> servers = new ArrayList<>();

    @BeforeAll
    static void startServers() throws Exception {
        file = TestFiles.random(work.resolve("files/data.bin"), SIZE, 3);
        PoolConfig pool = LocalPool.config(2);
        certs = work.resolve("certs");
        assertThat(CommandLineTest.run("certs", "init", "--dir", certs.toString(), "--servers", "s1,s2").exit()).isZero();
        poolFile = PoolFiles.write(work.resolve("pool.conf"), pool, certs.resolve("ca.crt"));
        for (PoolMember m : pool.members()) {
            servers.add(CliProcess.mtcp(m.name(), List.of("file-server", "--pool", poolFile.toString(),
                    "--name", m.name(), "--dir", work.resolve("files").toString(),
                    "--tls-cert", certs.resolve(m.name() + ".crt").toString(),
                    "--tls-key", certs.resolve(m.name() + ".key").toString())));
        }
        for (CliProcess p : servers) {
            p.awaitLine(l -> l.contains(" ready service="), CurlThroughProxyTest.STARTUP);
        }
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (CliProcess p : servers) {
            p.close();
        }
    }

    private record Get(int exit, List<String> stdout, List<String> stderr, String output) {
        Matcher json() {
            assertThat(stdout).as(output).hasSize(1);
            Matcher m = JSON.matcher(stdout.get(0));
            assertThat(m.matches()).as("JSON line: " + stdout.get(0)).isTrue();
            return m;
        }
    }

    private static Get get(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("get", "--pool", poolFile.toString()));
        all.addAll(List.of(args));
        try (CliProcess p = CliProcess.mtcp("get", all)) {
            int exit = p.awaitExit(Duration.ofSeconds(120));
            return new Get(exit, p.stdout(), p.stderr(), p.output());
        }
    }

    @Test
    void fetchesWithExplicitMigrationsAndPrintsOneJsonLine() throws Exception {
        Path out = work.resolve("out.bin");
        Get g = get("/data.bin", "--migrate-every", "128k", "--output", out.toString());
        assertThat(g.exit()).as(g.output()).isZero();
        Matcher m = g.json();
        assertThat(m.group(1)).isEqualTo("200");
        assertThat(Long.parseLong(m.group(2))).isEqualTo(SIZE);
        assertThat(m.group(3)).isEqualTo(TestFiles.sha256(file));
        assertThat(Integer.parseInt(m.group(4))).isEqualTo((SIZE - 1) / (128 * 1024));
        assertThat(m.group(5)).isIn("\"s1\",\"s2\"", "\"s2\",\"s1\"");
        assertThat(TestFiles.sha256(out)).isEqualTo(TestFiles.sha256(file));
        // one stderr line per migration
        assertThat(g.stderr().stream().filter(l -> l.contains(" migration cid=") && l.contains(" reason=explicit")))
                .hasSize(Integer.parseInt(m.group(4)));
    }

    @Test
    void aMissingFileIsExitCode3WithTheJsonLine() throws Exception {
        Get g = get("/nope.bin");
        assertThat(g.exit()).as(g.output()).isEqualTo(3);
        assertThat(g.json().group(1)).isEqualTo("404");
        assertThat(g.stderr()).anyMatch(l -> l.contains("HTTP status 404"));
    }

    @Test
    void anUnreachablePoolIsExitCode1WithAMessage() throws Exception {
        Path out = work.resolve("never.bin");
        try (CliProcess p = CliProcess.mtcp("get", List.of("get", "--server", "127.0.0.1:" + FreePorts.reserve(),
                "/data.bin", "--output", out.toString(), "--tls-trust", certs.resolve("ca.crt").toString()))) {
            assertThat(p.awaitExit(Duration.ofSeconds(60))).as(p.output()).isEqualTo(1);
            assertThat(p.stdout()).isEmpty();
            assertThat(p.stderr()).anyMatch(l -> l.startsWith("mtcp get: /data.bin: "));
        }
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void withServerAddressesTheTrustAnchorsComeFromTlsTrust() throws Exception {
        String s2 = servers.get(1).awaitLine(l -> l.contains(" ready service="), Duration.ofSeconds(1))
                .replaceAll(".* ready service=(\\S+) .*", "$1");
        try (CliProcess p = CliProcess.mtcp("get", List.of("get", "--server", s2, "/data.bin"))) {
            assertThat(p.awaitExit(Duration.ofSeconds(60))).as(p.output()).isEqualTo(2);
            assertThat(p.stderr().get(0)).contains("no TLS trust anchors", "--tls-trust FILE", "--plaintext");
        }
        try (CliProcess p = CliProcess.mtcp("get", List.of("get", "--server", s2, "/data.bin",
                "--tls-trust", certs.resolve("ca.crt").toString()))) {
            assertThat(p.awaitExit(Duration.ofSeconds(60))).as(p.output()).isZero();
            Matcher m = JSON.matcher(p.stdout().get(0));
            assertThat(m.matches()).as(p.output()).isTrue();
            assertThat(m.group(3)).isEqualTo(TestFiles.sha256(file));
        }
    }

    @Test
    void aPlaintextClientOfATlsPoolFailsWithTheServersReason() throws Exception {
        try (CliProcess p = CliProcess.mtcp("get", List.of("get", "--pool", poolFile.toString(), "/data.bin", "--plaintext"))) {
            assertThat(p.awaitExit(Duration.ofSeconds(60))).as(p.output()).isEqualTo(1);
            assertThat(p.stdout()).isEmpty();
            assertThat(p.stderr()).as(p.output()).anyMatch(l -> l.contains("PLAINTEXT (--plaintext)"));
            assertThat(String.join("\n", p.stderr())).as(p.output()).contains("mtcp get: /data.bin: ");
        }
    }
}
