package org.mtcp.cli.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.cli.fileserver.Degradation;
import org.mtcp.cli.fileserver.FileServerConfig;
import org.mtcp.cli.support.LocalPool;
import org.mtcp.cli.support.TestFiles;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.policy.Policies;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;

/**
 * {@code --policy response-time} through the proxy, which tells the policy where the HTTP
 * responses end: a server that stalls in the middle of a response (its first bytes long sent)
 * loses the connection, while an idle keep-alive connection stays where it is.
 */
class ProxyResponseTimeTest {

    @TempDir
    Path dir;

    @Test
    void aServerThatStallsInTheMiddleOfAResponseLosesTheConnectionButAnIdleOneKeepsIt() throws Exception {
        byte[] file = Files.readAllBytes(TestFiles.random(dir.resolve("f.bin"), 200 * 1024, 5));
        FileServerConfig plain = FileServerConfig.of(dir);
        FileServerConfig stalling = plain.withDegradation(
                new Degradation(32 * 1024, Duration.ofSeconds(2), Duration.ofSeconds(2)));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<MigrationEvent> seen = new CopyOnWriteArrayList<>();
        try (LocalPool pool = LocalPool.start(List.of(stalling, plain));
                MigratoryProxy proxy = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0),
                        new ProxySettings(pool.addresses(), ClientOptions.defaults()
                                .withKeepaliveInterval(Duration.ofMillis(100))
                                .withPolicies(List.of(Policies.parse("response-time:500ms"))), 4096, 8),
                        new EventLog(new PrintStream(log, true, StandardCharsets.UTF_8)))) {
            proxy.addMigrationListener((connection, e) -> seen.add(e));
            proxy.serveInBackground();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI uri = URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + "/f.bin");

            long t0 = System.nanoTime();
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(file);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            assertThat(seen).hasSize(1);
            assertThat(seen.get(0).from()).isEqualTo("s1");
            assertThat(seen.get(0).reason()).startsWith("response-time: nothing from s1 for ")
                    .contains("of a response not complete yet");

            Thread.sleep(1_500);                                   // idle keep-alive: three thresholds
            assertThat(seen).hasSize(1);
            HttpResponse<byte[]> again = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(again.body()).isEqualTo(file);
            assertThat(seen).hasSize(1);                           // the same connection, on s2
            assertThat(log.toString(StandardCharsets.UTF_8)).containsOnlyOnce(" open #")
                    .contains("migration #1 ").contains("reason=response-time: nothing from s1");
        }
    }
}
