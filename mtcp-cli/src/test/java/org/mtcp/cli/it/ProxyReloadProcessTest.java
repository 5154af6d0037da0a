package org.mtcp.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.cli.support.PoolFiles;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;

/** A real {@code mtcp proxy --pool FILE} process reloads its pool file on SIGHUP. */
@Timeout(120)
class ProxyReloadProcessTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    private static PoolMember member(String name, int port) {
        return new PoolMember(name, new InetSocketAddress("127.0.0.1", port), new InetSocketAddress("127.0.0.1", port + 100));
    }

    private static void hangUp(CliProcess p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.process().pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    @Test
    void sighupReloadsThePoolFileAndABadFileKeepsTheOldPool() throws Exception {
        PoolConfig pool = new PoolConfig(new byte[32], List.of(member("s1", 7001)));
        Path file = PoolFiles.write(work.resolve("pool.conf"), pool);
        try (CliProcess proxy = CliProcess.mtcp("proxy", List.of("proxy", "--pool", file.toString(),
                "--listen", "127.0.0.1:0", "--plaintext"))) {
            assertThat(proxy.awaitLine(l -> l.contains("proxy listening on "), WAIT)).endsWith(" links=PLAINTEXT");
            assertThat(proxy.stdout()).as("the --plaintext warning before the startup line")
                    .anyMatch(l -> l.endsWith(" " + org.mtcp.core.tls.TlsFlags.PLAINTEXT_WARNING));
            assertThat(proxy.stdout()).as("SIGHUP is handled").noneMatch(l -> l.contains("pool reload on SIGHUP unavailable"));

            PoolFiles.write(file, pool.withMember(member("s2", 7002)));
            hangUp(proxy);
            assertThat(proxy.awaitLine(l -> l.contains("pool reloaded from "), WAIT))
                    .contains("added=[s2@127.0.0.1:7002] removed=[]");

            Files.writeString(file, "garbage\n");
            hangUp(proxy);
            assertThat(proxy.awaitLine(l -> l.contains("pool reload failed"), WAIT))
                    .contains("keeping [s1@127.0.0.1:7001, s2@127.0.0.1:7002]");
            assertThat(proxy.process().isAlive()).isTrue();
        }
    }

    @Test
    void aProxyStartedWithSighupIgnoredSaysItCannotReloadOnIt() throws Exception {
        Path file = PoolFiles.write(work.resolve("pool.conf"), new PoolConfig(new byte[32], List.of(member("s1", 7001))));
        try (CliProcess proxy = CliProcess.mtcpWithSighupIgnored("proxy", List.of("proxy", "--pool", file.toString(),
                "--listen", "127.0.0.1:0", "--plaintext"))) {
            proxy.awaitLine(l -> l.contains("proxy listening on "), WAIT);
            assertThat(proxy.stdout()).anyMatch(l -> l.contains("pool reload on SIGHUP unavailable")
                    && l.contains("started with SIGHUP ignored"));
            hangUp(proxy);   // discarded by the kernel at once: an ignored signal is never pending
            proxy.process().destroy();   // SIGTERM
            assertThat(proxy.awaitExit(WAIT)).as("ended by the SIGTERM, not by the SIGHUP (129)").isNotEqualTo(129);
            assertThat(proxy.stdout()).noneMatch(l -> l.contains("pool reloaded from "));
        }
    }
}
