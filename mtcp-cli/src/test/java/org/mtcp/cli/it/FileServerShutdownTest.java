package org.mtcp.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.cli.support.LocalPool;
import org.mtcp.cli.support.PoolFiles;
import org.mtcp.cli.support.TestFiles;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;

/**
 * Ctrl-C (SIGTERM) on a file server in the middle of a download: the server asks its client to
 * migrate away, the download finishes on the other server, byte-exact, and the server exits.
 */
class FileServerShutdownTest {

    @TempDir
    Path work;
    final List<CliProcess> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (CliProcess p : processes) {
            p.close();
        }
    }

    @Test
    void ctrlCMovesTheClientsToAnotherServerFirst() throws Exception {
        Path file = TestFiles.random(work.resolve("files/slow.bin"), 1024 * 1024, 5);
        PoolConfig pool = LocalPool.config(2);
        Path poolFile = PoolFiles.write(work.resolve("pool.conf"), pool);
        for (PoolMember m : pool.members()) {
            // slow enough (1 KiB per ms after 64 KiB) that the download is still running when s1 stops
            processes.add(CliProcess.mtcp(m.name(), List.of("file-server", "--pool", poolFile.toString(),
                    "--name", m.name(), "--dir", work.resolve("files").toString(),
                    "--degrade-after", "64k", "--degrade-step", "1ms", "--degrade-max", "1ms", "--plaintext")));
        }
        for (CliProcess p : processes) {
            p.awaitLine(l -> l.contains(" ready service="), CurlThroughProxyTest.STARTUP);
        }
        CliProcess s1 = processes.get(0);
        // --server: the connection starts on s1 (the others come from s1's WELCOME)
        String s1Address = "127.0.0.1:" + pool.members().get(0).service().getPort();
        try (CliProcess get = CliProcess.mtcp("get", List.of("get", "--server", s1Address, "/slow.bin", "--plaintext"))) {
            s1.awaitLine(l -> l.contains(" s1 accept cid="), Duration.ofSeconds(60));
            s1.terminate(); // SIGTERM: the shutdown hook drains
            assertThat(s1.awaitExit(Duration.ofSeconds(30))).isEqualTo(143); // 128 + SIGTERM
            assertThat(get.awaitExit(Duration.ofSeconds(120))).as(get.output() + "\n" + s1.output()).isZero();
            Matcher json = GetCommandTest.JSON.matcher(get.stdout().get(0));
            assertThat(json.matches()).isTrue();
            assertThat(json.group(3)).isEqualTo(TestFiles.sha256(file));
            assertThat(json.group(5)).isEqualTo("\"s1\",\"s2\"");
            assertThat(get.stderr()).anyMatch(l -> l.contains(" migration cid=") && l.contains(" from=s1 to=s2 "));
        }
        assertThat(s1.stdout()).anyMatch(l -> l.contains("file-server s1 shutting down: asking 1 connection(s) to migrate"));
        assertThat(s1.stdout()).anyMatch(l -> l.endsWith("file-server s1 stopped"));
        assertThat(processes.get(1).stdout()).anyMatch(l -> l.contains(" s2 migrated-in cid=") && l.contains("resume=body"));
    }
}
