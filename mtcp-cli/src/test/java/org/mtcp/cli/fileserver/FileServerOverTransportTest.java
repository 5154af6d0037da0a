package org.mtcp.cli.fileserver;

import org.mtcp.testkit.FreePorts;
import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mtcp.cli.get.GetResult;
import org.mtcp.cli.get.HttpGet;
import org.mtcp.cli.support.LocalPool;
import org.mtcp.cli.support.TestFiles;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;

/**
 * The file server over the real transport: in-process {@link org.mtcp.core.MtcpServer}s on
 * loopback, clients that migrate explicitly every few KB, bodies compared by SHA-256.
 */
class FileServerOverTransportTest {

    @TempDir
    static Path dir;
    static LocalPool pool;
    static byte[] big;

    @BeforeAll
    static void start() throws IOException {
        TestFiles.random(dir.resolve("big.bin"), 384 * 1024 + 123, 7);
        big = Files.readAllBytes(dir.resolve("big.bin"));
        TestFiles.random(dir.resolve("sub/small.bin"), 3000, 8);
        pool = LocalPool.start(3, FileServerConfig.of(dir));
    }

    @AfterAll
    static void stop() {
        if (pool != null) {
            pool.close();
        }
    }

    /**
     * A small receive buffer keeps the server at most 8 KiB ahead of the client (flow control),
     * so the client's explicit migrations land in the middle of the body on the server side,
     * not after the server has sent everything.
     */
    static final ClientOptions OPTIONS = ClientOptions.defaults().withReceiveBufferSize(8 * 1024);

    private static HttpGet client(long migrateEvery) {
        return new HttpGet(pool.addresses(), OPTIONS, "test", migrateEvery, null);
    }

    @Test
    void servesAFileWithoutMigration() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        GetResult r = client(0).fetch("/big.bin", body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bytes()).isEqualTo(big.length);
        assertThat(r.sha256Hex()).isEqualTo(TestFiles.sha256(big));
        assertThat(body.toByteArray()).isEqualTo(big);
        assertThat(r.migrations()).isZero();
        assertThat(r.servers()).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(longs = {1000, 1024, 4096, 3 * 1024 + 517, 50_000})
    void resumesByteExactAfterExplicitMigrations(long every) throws IOException {
        GetResult r = client(every).fetch("/big.bin", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.sha256Hex()).isEqualTo(TestFiles.sha256(big));
        assertThat(r.migrations()).isEqualTo((int) ((big.length - 1) / every));
        // each server logs the connection coming in (the last ones possibly after the client is done)
        String cid = r.connectionId().toString();
        await("one line per migration").atMost(Duration.ofSeconds(10))
                .until(() -> migratedIn(cid).size() == r.migrations());
        assertThat(migratedIn(cid)).anyMatch(l -> l.contains(" resume=body request=0 path=/big.bin offset="));
        assertThat(r.servers()).hasSizeGreaterThan(1);
    }

    private static List<String> migratedIn(String cid) {
        return pool.events().stream().filter(l -> l.contains(" migrated-in cid=" + cid + " ")).toList();
    }

    @Test
    void keepAliveRequestsSurviveMigrationsBetweenAndWithinResponses() throws IOException {
        String request = "GET /sub/small.bin HTTP/1.1\r\nHost: t\r\n\r\n";
        byte[] small = Files.readAllBytes(dir.resolve("sub/small.bin"));
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + small.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        try (MtcpSocket socket = MtcpSocket.connect(pool.addresses(), OPTIONS)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 4; i++) {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                assertThat(in.readNBytes(head.length)).isEqualTo(head);
                socket.migrate();
                assertThat(in.readNBytes(small.length)).isEqualTo(small);
                socket.migrate();
            }
            out.write("GET /sub/small.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            byte[] last = in.readAllBytes();
            assertThat(new String(last, StandardCharsets.ISO_8859_1)).contains("Connection: close\r\n");
            assertThat(last).endsWith(small);
            assertThat(socket.migrations()).isEqualTo(8);
        }
    }

    @Test
    void aMigrationInTheMiddleOfARequestHeadIsInvisible() throws IOException {
        byte[] request = "GET /sub/small.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        try (MtcpSocket socket = MtcpSocket.connect(pool.addresses(), OPTIONS)) {
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < request.length; i += 9) {
                out.write(request, i, Math.min(9, request.length - i));
                out.flush();
                socket.migrate();
            }
            byte[] response = socket.getInputStream().readAllBytes();
            assertThat(new String(response, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(response).endsWith(Files.readAllBytes(dir.resolve("sub/small.bin")));
        }
    }

    @Test
    void malformedRequestsGet400AndTheServerKeepsServing() throws IOException {
        for (String garbage : List.of("HELLO\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003\r\n\r\n")) {
            try (MtcpSocket socket = MtcpSocket.connect(pool.addresses(), OPTIONS)) {
                socket.getOutputStream().write(garbage.getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
                String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(response).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("Connection: close\r\n");
            }
        }
        GetResult r = client(0).fetch("/sub/small.bin", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bytes()).isEqualTo(3000);
    }

    @Test
    void pathTraversalIsRefused() throws IOException {
        Files.writeString(dir.getParent().resolve("outside-" + dir.getFileName()), "secret");
        for (String path : List.of("/../outside-" + dir.getFileName(), "/%2e%2e/outside-" + dir.getFileName(),
                "/sub/..%2f..%2foutside-" + dir.getFileName())) {
            GetResult r = client(0).fetch(path, null);
            assertThat(r.status()).as(path).isEqualTo(400);
        }
        assertThat(client(0).fetch("/nope", null).status()).isEqualTo(404);
        assertThat(client(0).fetch("/sub", null).status()).isEqualTo(404);
    }

    @Test
    void aServerWhoseFileDiffersEndsTheConnectionAndTheClientSeesATruncatedBody() throws IOException {
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        Files.write(other.resolve("big.bin"), java.util.Arrays.copyOf(big, big.length - 1));
        try (LocalPool mismatched = LocalPool.start(List.of(FileServerConfig.of(dir), FileServerConfig.of(other)))) {
            HttpGet get = new HttpGet(mismatched.addresses(), OPTIONS, "t", 64 * 1024, null);
            // never a "successful" body of the wrong bytes: a truncated body, or a reset
            assertThatThrownBy(() -> get.fetch("/big.bin", null)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void anUnreachablePoolIsAnIOException() {
        HttpGet nobody = new HttpGet(List.of(new java.net.InetSocketAddress("127.0.0.1", FreePorts.reserve())),
                ClientOptions.defaults(), "t", 0, null);
        assertThatThrownBy(() -> nobody.fetch("/big.bin", null)).isInstanceOf(IOException.class);
    }
}
