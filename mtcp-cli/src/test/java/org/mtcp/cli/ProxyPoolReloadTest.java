package org.mtcp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.cli.support.PoolFiles;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;

/** The proxy's pool file reload (what SIGHUP runs): new member lists, and bad files kept out. */
class ProxyPoolReloadTest {

    @TempDir
    Path dir;

    private static PoolMember member(String name, int port) {
        return new PoolMember(name, new InetSocketAddress("127.0.0.1", port), new InetSocketAddress("127.0.0.1", port + 100));
    }

    @Test
    void aReloadGivesNewConnectionsTheNewMembersAndABadFileKeepsTheOldOnes() throws Exception {
        PoolConfig first = new PoolConfig(new byte[32], List.of(member("s1", 7001), member("s2", 7002)));
        Path file = PoolFiles.write(dir.resolve("pool.conf"), first);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        EventLog events = new EventLog(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (MigratoryProxy proxy = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0),
                new ProxySettings(first.serviceAddresses(), ClientOptions.defaults(), 4096, 8), events)) {
            ProxyPoolReload reload = new ProxyPoolReload(file, List.of("s1@127.0.0.1:7001", "s2@127.0.0.1:7002"),
                    proxy, events);

            PoolFiles.write(file, first.withoutMember("s2").withMember(member("s3", 7003)));
            assertThat(reload.reload()).isTrue();
            assertThat(proxy.pool()).extracting(InetSocketAddress::getPort).containsExactly(7001, 7003);
            assertThat(log.toString(StandardCharsets.UTF_8)).contains("pool reloaded from " + file
                    + ": added=[s3@127.0.0.1:7003] removed=[s2@127.0.0.1:7002]");

            // a client needs no secret: a file without one (or with one it cannot use) reloads
            Files.writeString(file, "secret hex:00\nserver s1 127.0.0.1:7001 127.0.0.1:7101\n");
            assertThat(reload.reload()).isTrue();
            Files.writeString(file, "server s1 127.0.0.1:7001 127.0.0.1:7101\nserver s3 127.0.0.1:7003 127.0.0.1:7103\n");
            assertThat(reload.reload()).isTrue();
            assertThat(log.toString(StandardCharsets.UTF_8)).contains("added=[] removed=[s3@127.0.0.1:7003]")
                    .contains("added=[s3@127.0.0.1:7003] removed=[]");

            Files.writeString(file, "secret hex:00\nserver s9\n");
            assertThat(reload.reload()).isFalse();
            Files.delete(file);
            assertThat(reload.reload()).isFalse();
            assertThat(proxy.pool()).extracting(InetSocketAddress::getPort).containsExactly(7001, 7003);
            assertThat(log.toString(StandardCharsets.UTF_8))
                    .contains("pool reload failed, keeping [s1@127.0.0.1:7001, s3@127.0.0.1:7003]: ")
                    .contains("line 2: expected 'server NAME")
                    .contains("no pool file " + file);
        }
    }
}
