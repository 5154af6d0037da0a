package org.mtcp.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.mtcp.bench.cli.BenchCommand;
import org.mtcp.cli.Main;
import org.mtcp.frontend.cli.FrontendCommand;
import org.mtcp.webapp.demo.DemoCommand;

/** The composed command line offers every module's commands, each with its help. */
class MtcpTest {

    private static String run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(args, new FrontendCommand(), new DemoCommand(), new BenchCommand());
            assertThat(code).as("exit code of %s", String.join(" ", args)).isZero();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void topLevelHelpListsEveryCommand() {
        assertThat(run("--help"))
                .contains("file-server", "proxy", "get", "certs", "frontend", "demo", "bench");
    }

    @Test
    void everyAddedCommandHasHelp() {
        assertThat(run("demo", "--help")).contains("Usage: mtcp demo");
        assertThat(run("frontend", "--help")).contains("Usage: mtcp frontend", "--pool");
        assertThat(run("bench", "--help")).contains("Usage: mtcp bench", "migration");
    }
}
