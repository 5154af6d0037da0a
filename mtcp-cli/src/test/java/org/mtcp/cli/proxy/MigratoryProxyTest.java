package org.mtcp.cli.proxy;

import org.mtcp.testkit.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.cli.fileserver.FileServerConfig;
import org.mtcp.cli.support.LocalPool;
import org.mtcp.cli.support.TestFiles;
import org.mtcp.core.ClientOptions;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;

/** The proxy in-process, in front of in-process file servers, with plain TCP clients. */
class MigratoryProxyTest {

    @TempDir
    static Path dir;
    static LocalPool pool;
    static MigratoryProxy proxy;
    static ByteArrayOutputStream log = new ByteArrayOutputStream();
    static byte[] file;

    @BeforeAll
    static void start() throws IOException {
        file = Files.readAllBytes(TestFiles.random(dir.resolve("f.bin"), 200 * 1024 + 5, 11));
        pool = LocalPool.start(2, FileServerConfig.of(dir));
        proxy = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0),
                new ProxySettings(pool.addresses(), ClientOptions.defaults(), 4096, 64),
                new EventLog(new PrintStream(log, true, StandardCharsets.UTF_8)));
        proxy.serveInBackground();
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    private static String logText() {
        synchronized (log) {
            return log.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void relaysARequestWithHalfCloseBothWays() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(proxy.localAddress(), 5000);
            s.getOutputStream().write("GET /f.bin HTTP/1.1\r\nHost: p\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            s.shutdownOutput();
            byte[] response = s.getInputStream().readAllBytes();
            assertThat(response).endsWith(file);
            assertThat(new String(response, 0, 17, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200 OK\r\n");
        }
    }

    @Test
    void servesManyConcurrentClients() throws Exception {
        int clients = 40;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                results.add(pool.submit(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(proxy.localAddress(), 5000);
                        s.getOutputStream().write("GET /f.bin HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.ISO_8859_1));
                        return s.getInputStream().readAllBytes();
                    }
                }));
            }
            for (Future<byte[]> r : results) {
                assertThat(r.get()).endsWith(file);
            }
        }
        assertThat(logText().lines().filter(l -> l.contains(" open #"))).hasSizeGreaterThanOrEqualTo(clients);
    }

    @Test
    void anOrdinaryHttpClientKeepsItsConnectionAlive() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + "/f.bin");
        for (int i = 0; i < 3; i++) {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(file);
            assertThat(r.headers().firstValue("date")).isEmpty();
        }
        HttpResponse<String> missing = client.send(HttpRequest.newBuilder(uri.resolve("/missing")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("404 Not Found: no such file\n");
    }

    @Test
    void anAddressInUseIsReportedAtBindBeforeThePoolIsKnown() throws IOException {
        InetSocketAddress taken = proxy.localAddress();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MigratoryProxy.bind(taken, EventLog.discard()))
                .isInstanceOf(java.net.BindException.class)
                .hasMessageStartingWith("cannot listen on 127.0.0.1:" + taken.getPort() + " (");
        try (MigratoryProxy unconfigured = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0), EventLog.discard())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(unconfigured::serve).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aPoolThatCannotBeReachedClosesTheLocalConnection() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MigratoryProxy dead = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0),
                new ProxySettings(List.of(new InetSocketAddress("127.0.0.1", FreePorts.reserve())),
                        ClientOptions.defaults(), 4096, 4),
                new EventLog(new PrintStream(out, true, StandardCharsets.UTF_8)))) {
            dead.serveInBackground();
            try (Socket s = new Socket()) {
                s.connect(dead.localAddress(), 5000);
                s.setSoTimeout(30_000);
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            assertThat(out.toString(StandardCharsets.UTF_8)).contains(" refuse #1 ", "cannot reach the pool");
        }
    }
}
