package org.mtcp.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code mtcp proxy} says at start-up when its file descriptor limit is below what --max-connections needs. */
@Timeout(120)
class ProxyFileLimitProcessTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aLimitBelowTwoDescriptorsPerConnectionIsSaidAtStartUpAndTheProxyStillServes() throws Exception {
        try (CliProcess proxy = CliProcess.mtcpWithFileLimit("proxy", 700, List.of("proxy", "--server",
                "127.0.0.1:1", "--listen", "127.0.0.1:0", "--max-connections", "1000", "--plaintext"))) {
            proxy.awaitLine(l -> l.contains("proxy listening on "), WAIT);
            await("the warning on stderr").atMost(WAIT).until(() -> proxy.stderr().stream()
                    .anyMatch(l -> l.startsWith("warning: the file descriptor limit is 700")));
            assertThat(proxy.stderr()).filteredOn(l -> l.startsWith("warning:")).singleElement().satisfies(l -> assertThat(l)
                    .contains("below the 2256 needed for 1000 connections").contains("about 222 connections fit")
                    .contains("lower --max-connections"));
        }
    }

    @Test
    void aSufficientLimitSaysNothing() throws Exception {
        try (CliProcess proxy = CliProcess.mtcpWithFileLimit("proxy", 4096, List.of("proxy", "--server",
                "127.0.0.1:1", "--listen", "127.0.0.1:0", "--max-connections", "1000", "--plaintext"))) {
            proxy.awaitLine(l -> l.contains("proxy listening on "), WAIT);
            assertThat(proxy.stderr()).noneMatch(l -> l.startsWith("warning:"));
        }
    }
}
