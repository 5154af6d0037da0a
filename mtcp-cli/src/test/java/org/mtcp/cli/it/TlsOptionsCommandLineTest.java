package org.mtcp.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.cli.support.LocalPool;
import org.mtcp.cli.support.PoolFiles;

/**
 * The TLS flags of file-server, proxy and get, in-process: every wrong combination and every
 * unusable file is exit code 2 with a message naming the flag or the file, before anything
 * listens; no command falls back to plaintext silently. Also the certs command's own errors.
 */
class TlsOptionsCommandLineTest {

    @TempDir
    Path dir;
    Path certs;
    Path poolFile;
    Path plainPool;

    @BeforeEach
    void keys() throws Exception {
        certs = dir.resolve("certs");
        assertThat(CommandLineTest.run("certs", "init", "--dir", certs.toString(), "--servers", "s1,s2").exit()).isZero();
        poolFile = PoolFiles.write(dir.resolve("pool.conf"), LocalPool.config(2), certs.resolve("ca.crt"));
        plainPool = PoolFiles.write(dir.resolve("plain.conf"), LocalPool.config(2));
    }

    private String f(String name) {
        return certs.resolve(name).toString();
    }

    private List<String> fileServer(Path pool, String... more) {
        List<String> args = new ArrayList<>(List.of("file-server", "--pool", pool.toString(), "--name", "s1", "--dir",
                dir.toString()));
        args.addAll(List.of(more));
        return args;
    }

    private static void usageError(List<String> args, String... messageParts) {
        CommandLineTest.Result r = CommandLineTest.run(args.toArray(String[]::new));
        assertThat(r.exit()).as("exit code of %s\n%s", args, r.err()).isEqualTo(2);
        assertThat(r.err().split("\n")[0]).as("%s", args).contains(messageParts);
        assertThat(r.err()).as("%s", args).doesNotContain("Exception").contains("Usage: mtcp");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aServerWithoutKeysOrPlaintextRefusesToStart() {
        usageError(fileServer(poolFile), "no TLS key: give --tls-cert FILE and --tls-key FILE", "--tls-keystore FILE",
                "or --plaintext");
    }

    @Test
    void contradictoryOrIncompleteFlagsNameTheFlags() {
        usageError(fileServer(poolFile, "--tls-cert", f("s1.crt")), "--tls-cert needs --tls-key");
        usageError(fileServer(poolFile, "--tls-key", f("s1.key")), "--tls-key needs --tls-cert");
        usageError(fileServer(poolFile, "--tls-cert", f("s1.crt"), "--tls-key", f("s1.key"), "--plaintext"),
                "--plaintext cannot be combined with --tls-cert, --tls-key");
        usageError(fileServer(poolFile, "--tls-cert", f("s1.crt"), "--tls-key", f("s1.key"), "--tls-keystore", f("s1.p12")),
                "either --tls-cert and --tls-key (PEM) or --tls-keystore");
        usageError(fileServer(poolFile, "--tls-cert", f("s1.crt"), "--tls-key", f("s1.key"), "--tls-password-env", "X",
                "--tls-password-file", f("pw")), "either --tls-password-env or --tls-password-file");
        usageError(List.of("proxy", "--server", "127.0.0.1:1", "--tls-password-env", "X"),
                "--tls-password-env/--tls-password-file is the password of --tls-key or --tls-keystore");
    }

    @Test
    void missingTrustAnchorsAreNamed() {
        usageError(fileServer(plainPool, "--tls-cert", f("s1.crt"), "--tls-key", f("s1.key")),
                "no TLS trust anchors: add 'trust file:CA.crt' to the pool file or give --tls-trust FILE");
        usageError(List.of("proxy", "--server", "127.0.0.1:1"), "no TLS trust anchors", "--tls-trust FILE", "--plaintext");
        usageError(List.of("get", "/x", "--pool", plainPool.toString()), "no TLS trust anchors");
    }

    @Test
    void unusableFilesAreNamed() throws Exception {
        usageError(fileServer(poolFile, "--tls-cert", f("s1.crt"), "--tls-key", f("nope.key")), "nope.key");
        // s2's key with s1's certificate
        usageError(fileServer(poolFile, "--tls-cert", f("s1.crt"), "--tls-key", f("s2.key")), "s2.key", "s1.crt");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        usageError(List.of("proxy", "--server", "127.0.0.1:1", "--tls-trust", garbage.toString()), "garbage.pem");
    }

    @Test
    void certsRefusesBadNamesValiditiesAndAMissingCa() {
        usageError(List.of("certs", "init", "--dir", dir.resolve("x").toString(), "--servers", "s1,s1"), "given twice");
        usageError(List.of("certs", "init", "--dir", dir.resolve("x").toString(), "--servers", "../evil"), "not a usable server name");
        usageError(List.of("certs", "init", "--dir", dir.resolve("x").toString(), "--servers", "s1", "--validity", "1y"),
                "not a validity");
        usageError(List.of("certs", "init", "--dir", dir.resolve("x").toString(), "--servers", "s1", "--hosts", "s9=h"),
                "names no server");
        usageError(List.of("certs", "issue", "s3", "--ca-dir", dir.resolve("none").toString()), "--ca-dir", "ca.crt");
        usageError(List.of("certs", "issue", "s1", "--ca-dir", certs.toString()), "refusing to overwrite", "s1.crt", "--force");
    }

    @Test
    void certsHelpSaysWhatToDoNext() {
        CommandLineTest.Result r = CommandLineTest.run("certs", "init", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--servers=NAME", "--hosts=HOST|NAME=HOST", "--validity=DURATION", "Default: 365d", "--force");
        assertThat(CommandLineTest.run("certs", "--help").out().replaceAll("\\s+", " "))
                .contains("add 'trust file:ca.crt' to the pool file", "--tls-cert NAME.crt --tls-key NAME.key");
        for (String command : List.of("file-server", "proxy", "get")) {
            assertThat(CommandLineTest.run(command, "--help").out()).as(command).contains("--tls-cert=FILE", "--tls-key=FILE",
                    "--tls-keystore=FILE", "--tls-password-env=VAR", "--tls-password-file=FILE", "--tls-trust=FILE", "--plaintext");
        }
    }
}
