package org.mtcp.frontend.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.testkit.TestPki;
import picocli.CommandLine;

class FrontendCommandTest {

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new FrontendCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void helpListsTheOptions() {
        Run r = run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--pool=FILE", "--name=NAME", "--db=JDBC_URL", "--operations=FILE",
                "--admin-token-env=VAR", "--reconnect-timeout=DURATION");
    }

    @Test
    void missingOptionsAreAUsageError() {
        Run r = run("--pool", "p");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required options");
    }

    @Test
    void anUnreadablePoolFileIsAClearError(@TempDir Path dir) throws Exception {
        Run r = run("--pool", dir.resolve("missing.pool").toString(), "--name", "fe1", "--db", "jdbc:postgresql://127.0.0.1:1/x");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("error: no pool file " + dir.resolve("missing.pool"));
        Path pool = Files.writeString(dir.resolve("p.pool"), "garbage\n");
        Run bad = run("--pool", pool.toString(), "--name", "fe1", "--db", "jdbc:postgresql://127.0.0.1:1/x");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).startsWith("error: invalid pool file: " + pool + " line 1: unknown directive 'garbage'");
    }

    @Test
    void aDatabaseTimeoutNotBelowTheClientsThresholdIsRefused(@TempDir Path dir) {
        Run refused = run("--pool", dir.resolve("missing.pool").toString(), "--name", "fe1",
                "--db", "jdbc:postgresql://127.0.0.1:1/x", "--db-timeout", "1s", "--client-threshold", "1s");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("--db-timeout: the database timeout 1s must be below the clients' response-time threshold 1s");
        Run accepted = run("--pool", dir.resolve("missing.pool").toString(), "--name", "fe1",
                "--db", "jdbc:postgresql://127.0.0.1:1/x", "--db-timeout", "400ms", "--client-threshold", "1s");
        assertThat(accepted.err()).doesNotContain("--db-timeout");   // accepted: the run fails later, on the pool file
        assertThat(accepted.exit()).isEqualTo(1);
    }

    @Test
    void sizesTakeUnitsAndTheDatabaseUrlMustBeJdbc(@TempDir Path dir) {
        Run sizes = run("--pool", dir.resolve("missing.pool").toString(), "--name", "fe1",
                "--db", "jdbc:postgresql://127.0.0.1:1/x", "--max-body", "2m");
        assertThat(sizes.err()).doesNotContain("--max-body");     // accepted: the run fails later, on the pool file
        assertThat(sizes.exit()).isEqualTo(1);
        Run url = run("--pool", "p", "--name", "fe1", "--db", "postgres://u@db:5432/bank");
        assertThat(url.exit()).isEqualTo(2);
        assertThat(url.err()).contains("--db takes a JDBC URL: jdbc:postgresql://db:5432/bank (not postgres://u@db:5432/bank)");
        Run other = run("--pool", "p", "--name", "fe1", "--db", "jdbc:mysql://db/bank");
        assertThat(other.exit()).isEqualTo(2);
        assertThat(other.err()).contains("--db must be a PostgreSQL JDBC URL (jdbc:postgresql://HOST:PORT/DATABASE)");
    }

    @Test
    void stateTransferIsParsedAndCheckedAgainstThePoolSize(@TempDir Path dir) throws Exception {
        assertThat(run("--help").out()).contains("--state-transfer=STRATEGY", "Default: lazy");
        Run zero = run("--pool", "p", "--name", "fe1", "--db", "jdbc:postgresql://127.0.0.1:1/x",
                "--state-transfer", "replicated:0");
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.err()).contains("--state-transfer", "'replicated:0': replicated needs at least 1 replica");
        Run unknown = run("--pool", "p", "--name", "fe1", "--db", "jdbc:postgresql://127.0.0.1:1/x",
                "--state-transfer", "eager");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("'eager' is not a state transfer strategy (lazy, replicated, replicated:K");
        // the pool is known only once its file is read, by the server: the run's error (exit 1), before any database
        Path pool = Files.writeString(dir.resolve("two.pool"), "secret hex:" + "ab".repeat(32) + "\n"
                + "server fe1 127.0.0.1:1 127.0.0.1:2\nserver fe2 127.0.0.1:3 127.0.0.1:4\n");
        Run tooMany = run("--pool", pool.toString(), "--name", "fe1", "--db", "jdbc:postgresql://127.0.0.1:1/x",
                "--state-transfer", "replicated:2", "--plaintext");
        assertThat(tooMany.exit()).isEqualTo(1);
        assertThat(tooMany.err().strip()).isEqualTo("error: the pool file " + pool + " is too small for the state "
                + "transfer: replicated:2 needs at least 3 servers in the pool (the holder and 2 replicas); the pool has 2");
    }

    @Test
    void durations() {
        FrontendCommand.DurationConverter c = new FrontendCommand.DurationConverter();
        assertThat(c.convert("500ms").toMillis()).isEqualTo(500);
        assertThat(c.convert("1.5s").toMillis()).isEqualTo(1500);
        assertThat(c.convert("2m").toSeconds()).isEqualTo(120);
    }

    @Test
    void aMultiHostDatabaseWaitsOutAFailoverByDefault() {
        assertThat(FrontendCommand.multiHost("jdbc:postgresql://h1:5432,h2:5432/bank?targetServerType=primary")).isTrue();
        assertThat(FrontendCommand.multiHost("jdbc:postgresql://h1,h2/bank")).isTrue();
        assertThat(FrontendCommand.multiHost("jdbc:postgresql://h1:5432/bank?options=a,b")).isFalse();
        assertThat(FrontendCommand.multiHost("jdbc:postgresql://h1:5432/bank")).isFalse();
        assertThat(FrontendCommand.multiHost("jdbc:postgresql:bank")).isFalse();
        assertThat(FrontendCommand.failoverWait(null, "jdbc:postgresql://h1,h2/bank"))
                .isEqualTo(FrontendCommand.MULTI_HOST_FAILOVER_WAIT);
        assertThat(FrontendCommand.failoverWait(null, "jdbc:postgresql://h1/bank")).isZero();
        assertThat(FrontendCommand.failoverWait(java.time.Duration.ZERO, "jdbc:postgresql://h1,h2/bank")).isZero();
    }

    @Test
    void withoutTlsKeysOrPlaintextTheFrontEndDoesNotStart(@TempDir Path dir) throws Exception {
        assertThat(run("--help").out()).contains("--tls-cert=FILE", "--tls-key=FILE", "--tls-keystore=FILE",
                "--tls-password-env=VAR", "--tls-password-file=FILE", "--tls-trust=FILE", "--plaintext");
        Path pool = Files.writeString(dir.resolve("p.pool"), "secret hex:" + "ab".repeat(32) + "\n"
                + "server fe1 127.0.0.1:1 127.0.0.1:2\n");
        String[] base = {"--pool", pool.toString(), "--name", "fe1", "--db", "jdbc:postgresql://127.0.0.1:1/x"};
        Run none = run(base);
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("no TLS key: give --tls-cert FILE and --tls-key FILE (PEM) or --tls-keystore FILE "
                + "(PKCS#12), or --plaintext to run without TLS");

        TestPki pki = TestPki.create("cmd-ca");
        Path[] pem = pki.issue("fe1").writePem(dir);
        Run noTrust = run(concat(base, "--tls-cert", pem[0].toString(), "--tls-key", pem[1].toString()));
        assertThat(noTrust.exit()).isEqualTo(2);
        assertThat(noTrust.err()).contains("no TLS trust anchors: add 'trust file:CA.crt' to the pool file or give --tls-trust FILE");
        Run both = run(concat(base, "--plaintext", "--tls-cert", pem[0].toString(), "--tls-key", pem[1].toString()));
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--plaintext cannot be combined with --tls-cert, --tls-key");

        // the pool file's trust line is the default trust: the flags are complete, the run gets as far as the
        // key files (a wrong key: exit 1 naming the file) before any database
        Path ca = pki.writeCaPem(dir);
        Path trusted = Files.writeString(dir.resolve("t.pool"), Files.readString(pool) + "trust file:" + ca.getFileName() + "\n");
        Path otherKey = TestPki.create("other").issue("fe1").writePem(Files.createDirectory(dir.resolve("other")))[1];
        Run wrongKey = run("--pool", trusted.toString(), "--name", "fe1", "--db", "jdbc:postgresql://127.0.0.1:1/x",
                "--tls-cert", pem[0].toString(), "--tls-key", otherKey.toString());
        assertThat(wrongKey.exit()).isEqualTo(1);
        assertThat(wrongKey.err()).startsWith("error: cannot load the TLS keys: ").contains(pem[0].getFileName().toString());
    }

    static String[] concat(String[] base, String... more) {
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }
}
