package org.mtcp.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;

class PoolFileParserTest {

    static final String HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    @Test
    void parsesTheDocumentedExample(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pool.conf");
        Files.writeString(file, """
                # three front-ends; control traffic on a private network
                secret hex:%s

                server fe1 192.0.2.10:7001  10.0.0.1:7101
                server fe2 192.0.2.11:7001  10.0.0.2:7101   # the second one
                server fe3 [2001:db8::3]:7001 [fd00::3]:7101
                """.formatted(HEX));
        PoolConfig pool = PoolConfig.load(file);
        assertThat(pool.secret()).hasSize(32);
        assertThat(pool.members()).extracting(PoolMember::name).containsExactly("fe1", "fe2", "fe3");
        PoolMember fe3 = pool.member("fe3").orElseThrow();
        assertThat(fe3.service().getHostString()).isEqualTo("2001:db8::3");
        assertThat(fe3.service().getPort()).isEqualTo(7001);
        assertThat(fe3.control().getHostString()).isEqualTo("fd00::3");
        assertThat(pool.toString()).doesNotContain("0011223344");
    }

    @Test
    void secretsInBase64OrInAFile(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("secret.bin"), "sixteen bytes at least\n".getBytes());
        PoolConfig fromFile = PoolFileParser.parse(List.of("secret file:secret.bin", "server a 127.0.0.1:0 127.0.0.1:0"),
                "p", dir);
        assertThat(new String(fromFile.secret())).isEqualTo("sixteen bytes at least");
        PoolConfig b64 = PoolFileParser.parse(List.of("secret base64:AAECAwQFBgcICQoLDA0ODw==",
                "server a localhost:7001 localhost:7002"), "p", dir);
        assertThat(b64.secret()).hasSize(16);
        assertThat(b64.member("a").orElseThrow().control().getPort()).isEqualTo(7002);
    }

    @Test
    void aClientReadsTheMembersWithoutASecretAndNeverOpensASecretFile(@TempDir Path dir) throws Exception {
        Path noSecret = dir.resolve("clients.conf");
        Files.writeString(noSecret, "server fe1 127.0.0.1:7001 127.0.0.1:7101\nserver fe2 [::1]:7002 [::1]:7102\n");
        assertThat(PoolConfig.loadMembers(noSecret)).extracting(PoolMember::name).containsExactly("fe1", "fe2");
        assertThat(PoolConfig.loadMembers(noSecret).get(1).service().getHostString()).isEqualTo("::1");
        // the server reader of the same file still demands the secret
        assertThatThrownBy(() -> PoolConfig.load(noSecret)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(noSecret + ": no 'secret' line");

        // a secret file the client may not read (here: absent) is not opened, nor a bad value decoded
        List<PoolMember> members = PoolFileParser.members(List.of("secret file:/nonexistent/secret",
                "server a 127.0.0.1:1 127.0.0.1:2"), "p");
        assertThat(members).extracting(PoolMember::name).containsExactly("a");
        assertThat(PoolFileParser.members(List.of("secret hex:00", "server a 127.0.0.1:1 127.0.0.1:2"), "p"))
                .hasSize(1);

        // the rest of the format is checked as for servers
        assertThatThrownBy(() -> PoolFileParser.members(List.of("secret hex:00", "secret hex:00",
                "server a 127.0.0.1:1 127.0.0.1:2"), "p")).hasMessage("p line 2: a second 'secret' (the first is on line 1)");
        assertThatThrownBy(() -> PoolFileParser.members(List.of("server a 127.0.0.1:1"), "p"))
                .hasMessageContaining("p line 1: expected 'server NAME");
        assertThatThrownBy(() -> PoolFileParser.members(List.of("# nothing"), "p")).hasMessage("p: no 'server' line");
    }

    @Test
    void aMissingFileIsSaidOnce(@TempDir Path dir) {
        Path missing = dir.resolve("nope.conf");
        assertThatThrownBy(() -> PoolFileParser.parse(missing)).isInstanceOf(java.io.IOException.class)
                .hasMessage("no pool file " + missing);
    }

    @Test
    void malformedFilesNameTheLine(@TempDir Path dir) {
        String ok = "server a 127.0.0.1:1 127.0.0.1:2";
        String secret = "secret hex:" + HEX;
        Object[][] cases = {
                {List.of(secret, "server a 127.0.0.1:1"), "line 2", "expected 'server NAME"},
                {List.of(secret, ok, "server a 127.0.0.1:3 127.0.0.1:4"), "line 3", "already defined on line 2"},
                {List.of(secret, "server a 127.0.0.1:99999 127.0.0.1:2"), "line 2", "out of range"},
                {List.of(secret, "server a 127.0.0.1 127.0.0.1:2"), "line 2", "is not HOST:PORT"},
                {List.of(secret, "server a 127.0.0.1:x 127.0.0.1:2"), "line 2", "bad port 'x'"},
                {List.of(secret, "servers a b c"), "line 2", "unknown directive 'servers'"},
                {List.of(secret, ok, "server b 127.0.0.1:1 127.0.0.1:4"), "line 3",
                        "is the service address of 'b' (line 3) and also the service address of 'a' (line 2)"},
                {List.of(secret, "server a 127.0.0.1:1 127.0.0.1:1"), "line 2", "every address must be different"},
                {List.of("secret hex:abc", ok), "line 1", "not valid hex"},
                {List.of("secret hex:0011", ok), "line 1", "at least 16"},
                {List.of("secret plain", ok), "line 1", "must start with hex:"},
                {List.of("secret file:nope", ok), "line 1", "cannot read the secret file"},
                {List.of(secret, secret, ok), "line 2", "a second 'secret'"},
                {List.of(ok), "p", "no 'secret' line"},
                {List.of(secret), "p", "no 'server' line"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            List<String> lines = (List<String>) c[0];
            assertThatThrownBy(() -> PoolFileParser.parse(lines, "p", dir)).as(lines.toString())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining((String) c[1]).hasMessageContaining((String) c[2]);
        }
    }
}
