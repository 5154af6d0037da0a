package org.mtcp.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;

/** The pool file's {@code previous-secret} and {@code trust} lines, for servers and clients, and their errors. */
class PoolFileRotationTest {

    static final String OLD = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    static final String NEW = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    static final String SERVER = "server a 127.0.0.1:0 127.0.0.1:0";

    @Test
    void previousSecretsAndTrustAnchors(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Files.write(dir.resolve("old.secret"), "sixteen bytes at least\n".getBytes());
        Path file = dir.resolve("pool.conf");
        Files.writeString(file, """
                secret hex:%s
                previous-secret hex:%s until 2026-12-04T12:00:00Z   # rotated on the 4th
                previous-secret file:old.secret until 2026-12-05T00:00:00Z
                trust file:ca.pem
                %s
                """.formatted(NEW, OLD, SERVER));
        PoolConfig pool = PoolConfig.load(file);
        assertThat(pool.previousSecrets()).hasSize(2);
        assertThat(pool.previousSecrets().get(0).until()).isEqualTo(Instant.parse("2026-12-04T12:00:00Z"));
        assertThat(pool.previousSecrets().get(1).secret()).isEqualTo("sixteen bytes at least".getBytes());
        assertThat(pool.trustAnchors()).contains(dir.resolve("ca.pem"));
        assertThat(pool.toString()).doesNotContain("0011223344").doesNotContain("ffeedd")
                .contains("until 2026-12-04T12:00:00Z").contains("ca.pem");
        // a member change keeps the secrets and anchors
        PoolConfig more = pool.withMember(new PoolMember("b", new java.net.InetSocketAddress("127.0.0.1", 0),
                new java.net.InetSocketAddress("127.0.0.1", 0)));
        assertThat(more.previousSecrets()).isEqualTo(pool.previousSecrets());
        assertThat(more.trustAnchors()).isEqualTo(pool.trustAnchors());

        // a client reads the members and the anchors, never the secrets
        Path clients = dir.resolve("clients.conf");
        Files.writeString(clients, "previous-secret file:/nonexistent until 2026-12-04T12:00:00Z\ntrust file:ca.pem\n"
                + SERVER + "\n");
        PoolConfig.ClientView view = PoolConfig.loadClientView(clients);
        assertThat(view.trustAnchors()).contains(dir.resolve("ca.pem"));
        assertThat(view.members()).extracting(PoolMember::name).containsExactly("a");
        assertThat(PoolConfig.loadClientView(file).trustAnchors()).isPresent();
        Files.writeString(clients, SERVER + "\n");
        assertThat(PoolConfig.loadClientView(clients).trustAnchors()).isEmpty();
    }

    @Test
    void errorsNameTheLine(@TempDir Path dir) {
        assertThatThrownBy(() -> parse(dir, "secret hex:" + NEW, "previous-secret hex:" + OLD, SERVER))
                .hasMessage("p line 2: expected 'previous-secret hex:...|base64:...|file:PATH until YYYY-MM-DDTHH:MM:SSZ'");
        assertThatThrownBy(() -> parse(dir, "secret hex:" + NEW, "previous-secret hex:" + OLD + " after 2026-12-04T12:00:00Z",
                SERVER)).hasMessageStartingWith("p line 2: expected 'previous-secret");
        assertThatThrownBy(() -> parse(dir, "secret hex:" + NEW, "previous-secret hex:" + OLD + " until tomorrow", SERVER))
                .hasMessage("p line 2: 'tomorrow' is not a UTC time like 2026-12-04T12:00:00Z");
        assertThatThrownBy(() -> parse(dir, "secret hex:" + NEW, "previous-secret hex:00 until 2026-12-04T12:00:00Z", SERVER))
                .hasMessage("p line 2: the secret has 1 bytes; at least 16 (128 bits) are needed");
        assertThatThrownBy(() -> parse(dir, "secret hex:" + NEW, "previous-secret hex:" + NEW + " until 2026-12-04T12:00:00Z",
                SERVER)).hasMessage("p line 2: the previous secret is the current secret (line 1)");
        assertThatThrownBy(() -> parse(dir, "previous-secret hex:" + NEW + " until 2026-12-04T12:00:00Z", "secret hex:" + NEW,
                SERVER)).hasMessage("p line 1: the previous secret is the current secret (line 2)");
        assertThatThrownBy(() -> parse(dir, "secret hex:" + NEW, "previous-secret hex:" + OLD + " until 2026-12-04T12:00:00Z",
                "previous-secret hex:" + OLD + " until 2026-12-05T12:00:00Z", SERVER))
                .hasMessage("p line 3: the same previous secret is on line 2");
        assertThatThrownBy(() -> parse(dir, "secret hex:" + NEW, "trust ca.pem", SERVER))
                .hasMessage("p line 2: expected 'trust file:PATH' (a PEM bundle of CA certificates)");
        assertThatThrownBy(() -> parse(dir, "secret hex:" + NEW, "trust file:missing.pem", SERVER))
                .hasMessage("p line 2: no trust anchor file " + dir.resolve("missing.pem"));
        assertThatThrownBy(() -> parse(dir, "secret hex:" + NEW, "trusts file:x", SERVER))
                .hasMessage("p line 2: unknown directive 'trusts' (expected 'secret', 'previous-secret', 'trust' or 'server')");
    }

    @Test
    void aSecondTrustLineIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "x");
        assertThatThrownBy(() -> PoolFileParser.members(List.of("trust file:" + dir.resolve("ca.pem"),
                "trust file:" + dir.resolve("ca.pem"), SERVER), "p"))
                .hasMessage("p line 2: a second 'trust' (the first is on line 1; put every anchor in one PEM bundle)");
        // clients check the shape of previous-secret lines too
        assertThatThrownBy(() -> PoolFileParser.members(List.of("previous-secret hex:00", SERVER), "p"))
                .hasMessageStartingWith("p line 1: expected 'previous-secret");
    }

    private static PoolConfig parse(Path dir, String... lines) throws Exception {
        return PoolFileParser.parse(List.of(lines), "p", dir);
    }
}
