package org.mtcp.frontend.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
        assertThat(r.err()).startsWith("error: cannot read the pool file");
        Path pool = Files.writeString(dir.resolve("p.pool"), "garbage\n");
        Run bad = run("--pool", pool.toString(), "--name", "fe1", "--db", "jdbc:postgresql://127.0.0.1:1/x");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).startsWith("error: cannot read the pool file");
    }

    @Test
    void durations() {
        FrontendCommand.DurationConverter c = new FrontendCommand.DurationConverter();
        assertThat(c.convert("500ms").toMillis()).isEqualTo(500);
        assertThat(c.convert("1.5s").toMillis()).isEqualTo(1500);
        assertThat(c.convert("2m").toSeconds()).isEqualTo(120);
    }
}
