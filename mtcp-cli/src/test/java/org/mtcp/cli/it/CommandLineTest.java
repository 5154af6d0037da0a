package org.mtcp.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mtcp.cli.Main;
import org.mtcp.cli.support.LocalPool;
import org.mtcp.cli.support.PoolFiles;
import picocli.CommandLine;

/** Help and usage errors, in-process (fast) and once through a real process. */
class CommandLineTest {

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"file-server", "proxy", "get", "certs"})
    void everySubcommandHasHelp(String command) {
        Result r = run(command, "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("Usage: mtcp " + command).contains("-h, --help");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void helpShowsDefaultsAndOptions() {
        assertThat(run("file-server", "--help").out())
                .contains("--pool=FILE", "--name=NAME", "--dir=DIR", "--degrade-after=BYTES",
                        "--degrade-step=DURATION", "Default: 2ms", "--snapshot-pad=BYTES", "Default: 1024");
        assertThat(run("proxy", "--help").out()).contains("--listen=HOST:PORT", "Default: 127.0.0.1:8080",
                "--policy=SPEC", "--pool=FILE", "--server=HOST:PORT", "--policy-migrations=N", "Default: 3",
                "--policy-backoff-max=DURATION", "Default: 30s", "--policy-window=DURATION", "Default: 60s");
        assertThat(run("proxy", "--help").out().replaceAll("\\s+", " ")).as("the proxy's help on servers that die")
                .contains("survives when the servers run with --state-transfer replicated");
        assertThat(run("file-server", "--help").out()).contains("--state-transfer=STRATEGY", "Default: lazy");
        assertThat(run("get", "--help").out()).contains("PATH", "--output=FILE", "--migrate-every=BYTES",
                "\"sha256\"", "Exit codes");
        assertThat(run("--help").out()).contains("file-server", "proxy", "get");
    }

    @Test
    void topLevelHelpListsTheCommands() {
        Result r = run();
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("file-server", "proxy", "get");
    }

    static List<List<String>> badArguments() {
        return List.of(
                List.of("file-server"),
                List.of("file-server", "--pool", "p", "--name"),
                List.of("file-server", "--pool", "/nonexistent/pool.conf", "--name", "s1", "--dir", "/"),
                List.of("file-server", "--pool", "p", "--name", "s1", "--dir", "/nonexistent-dir"),
                List.of("file-server", "--pool", "p", "--name", "s1", "--dir", "/", "--degrade-step", "2"),
                List.of("file-server", "--pool", "p", "--name", "s1", "--dir", "/", "--snapshot-pad", "lots"),
                List.of("proxy"),
                List.of("proxy", "--server", "127.0.0.1:1", "--pool", "p"),
                List.of("proxy", "--server", "127.0.0.1:99999"),
                List.of("proxy", "--server", "127.0.0.1:1", "--listen", "nohost:"),
                List.of("proxy", "--pool", "/nonexistent/pool.conf"),
                List.of("proxy", "--server", "127.0.0.1:1", "--unknown-option"),
                List.of("proxy", "--server", "127.0.0.1:1", "--policy-migrations", "0"),
                List.of("proxy", "--server", "127.0.0.1:1", "--policy-window", "0"),
                List.of("proxy", "--server", "127.0.0.1:1", "--policy-backoff-max", "ten"),
                List.of("get", "--server", "127.0.0.1:1"),
                List.of("get", "/x", "/y", "--server", "127.0.0.1:1"),
                List.of("get", "/x"),
                List.of("get", "/a b", "--server", "127.0.0.1:1"),
                List.of("get", "/x", "--server", "127.0.0.1:1", "--migrate-every", "-5"),
                List.of("no-such-command"));
    }

    @Test
    void badArgumentsAreAOneLineErrorWithUsageAndExitCode2() {
        for (List<String> args : badArguments()) {
            Result r = run(args.toArray(String[]::new));
            assertThat(r.exit()).as("exit code of %s", args).isEqualTo(2);
            String[] lines = r.err().split("\n");
            assertThat(lines[0]).as("first line of %s", args).isNotBlank().doesNotStartWith("Usage");
            assertThat(r.err()).as("usage (or a suggestion) after the error for %s", args)
                    .containsAnyOf("Usage: mtcp", "Did you mean");
            assertThat(r.err()).doesNotContain("Exception");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void stateTransferIsParsedAndCheckedAgainstThePoolSize(@TempDir Path dir) throws Exception {
        Path pool = PoolFiles.write(dir.resolve("pool.conf"), LocalPool.config(2));
        List<String> base = List.of("file-server", "--pool", pool.toString(), "--name", "s1", "--dir", dir.toString(),
                "--state-transfer");
        Result tooMany = run(append(base, "replicated:2"));
        assertThat(tooMany.exit()).isEqualTo(2);
        assertThat(tooMany.err().split("\n")[0]).isEqualTo("--state-transfer replicated:2 needs at least 3 servers "
                + "in the pool (the holder and 2 replicas); the pool has 2");
        Result zero = run(append(base, "replicated:0"));
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.err().split("\n")[0]).contains("--state-transfer", "'replicated:0': replicated needs at least 1 replica");
        Result unknown = run(append(base, "eager"));
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err().split("\n")[0]).contains("'eager' is not a state transfer strategy (lazy, replicated, "
                + "replicated:K");
    }

    private static String[] append(List<String> args, String last) {
        List<String> all = new ArrayList<>(args);
        all.add(last);
        return all.toArray(String[]::new);
    }

    @Test
    void aRealProcessPrintsHelpAndExitsZero() throws Exception {
        try (CliProcess p = CliProcess.mtcp("help", List.of("proxy", "--help"))) {
            assertThat(p.awaitExit(Duration.ofSeconds(60))).as(p.output()).isZero();
            assertThat(String.join("\n", p.stdout())).contains("Usage: mtcp proxy");
        }
        try (CliProcess p = CliProcess.mtcp("bad", List.of("get"))) {
            assertThat(p.awaitExit(Duration.ofSeconds(60))).as(p.output()).isEqualTo(2);
            assertThat(p.stderr().get(0)).contains("Missing required");
        }
    }
}
