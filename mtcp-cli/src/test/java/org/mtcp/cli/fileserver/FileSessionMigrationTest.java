package org.mtcp.cli.fileserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mtcp.core.MigratedException;

/**
 * The file server resumes byte-exact wherever the connection migrates: in a request head,
 * between head and body, inside a chunk, between requests, in an error response. Each run
 * serves a scripted client through a chain of {@link SimulatedConnection} holders, each taking
 * over from the last snapshot of the previous one, and compares what the client received with
 * the response computed independently.
 */
class FileSessionMigrationTest {

    @TempDir
    static Path dir;
    static Path root;
    static byte[] small;
    static byte[] medium;

    @BeforeAll
    static void files() throws IOException {
        root = dir.toRealPath();
        Random random = new Random(42);
        small = new byte[2500];
        random.nextBytes(small);
        medium = new byte[5 * 1024 + 17];
        random.nextBytes(medium);
        Files.createDirectories(root.resolve("sub"));
        Files.write(root.resolve("small.bin"), small);
        Files.write(root.resolve("sub/medium.bin"), medium);
        Files.writeString(root.resolve("hello.txt"), "hello\n");
        Files.write(root.resolve("empty"), new byte[0]);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] ok(String type, byte[] body, boolean close) {
        return concat(ascii("HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nContent-Length: " + body.length + "\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n"), body);
    }

    /** An error response as the server must write it (body ASCII). */
    private static byte[] text(String status, String extraFields, String body, boolean close) {
        return ascii("HTTP/1.1 " + status + "\r\nContent-Type: text/plain; charset=utf-8\r\n" + extraFields
                + "Content-Length: " + body.length() + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n" + body);
    }

    private static final String KEEP = "GET /small.bin HTTP/1.1\r\nHost: h\r\n\r\n";
    /** A keep-alive GET, a HEAD, a 404, a 405, a file in a subdirectory with close. */
    private static final String SCRIPT = KEEP
            + "HEAD /hello.txt HTTP/1.1\r\nHost: h\r\n\r\n"
            + "GET /missing HTTP/1.1\r\nHost: h\r\n\r\n"
            + "DELETE /small.bin HTTP/1.1\r\nHost: h\r\n\r\n"
            + "GET /empty HTTP/1.1\r\nHost: h\r\n\r\n"
            + "GET /sub/medium.bin HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
            + "GET /never-read HTTP/1.1\r\nHost: h\r\n\r\n";

    private static byte[] expectedScript() {
        return concat(
                ok("application/octet-stream", small, false),
                ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n\r\n"),
                text("404 Not Found", "", "404 Not Found: no such file\n", false),
                text("405 Method Not Allowed", "Allow: GET, HEAD\r\n",
                        "405 Method Not Allowed: only GET and HEAD are served\n", false),
                ok("application/octet-stream", new byte[0], false),
                ok("application/octet-stream", medium, true));
    }

    /** Serves {@code sends} through holders that move away at the given positions. */
    static Run serve(byte[] sends, FileServerConfig config, long[] writeTriggers, long[] readTriggers, int readChunk)
            throws IOException {
        SimulatedConnection.Client client = new SimulatedConnection.Client(sends);
        SimulatedConnection.Export state = null;
        int holders = 0;
        List<String> starts = new ArrayList<>();
        for (int epoch = 0; ; epoch++) {
            long w = epoch < writeTriggers.length ? writeTriggers[epoch] : Long.MAX_VALUE;
            long r = epoch < readTriggers.length ? readTriggers[epoch] : Long.MAX_VALUE;
            SimulatedConnection holder = new SimulatedConnection(client, epoch, state, w, r, readChunk);
            holders++;
            FileSession session = new FileSession(holder, root, config,
                    (c, imported) -> starts.add(imported == null ? "new" : imported.phase().name()));
            try {
                session.run();
                assertThat(holder.closed()).as("the session ends by closing").isTrue();
                return new Run(client.received(), holders, starts, client.maxSnapshot);
            } catch (MigratedException e) {
                if (holder.lastExport() != null) {
                    state = holder.lastExport();
                }
            }
            assertThat(holders).as("runaway migrations").isLessThan(1_000_000);
        }
    }

    record Run(byte[] received, int holders, List<String> starts, int maxSnapshot) {}

    private static long[] every(long step, long total) {
        int n = (int) (total / step) + 1;
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = step * (i + 1);
        }
        return t;
    }

    private static final long[] NONE = {};

    /** Byte equality with a readable report: the first differing offset and the text around it. */
    static void assertSameStream(byte[] actual, byte[] expected, String description) {
        int n = Math.min(actual.length, expected.length);
        int i = 0;
        while (i < n && actual[i] == expected[i]) {
            i++;
        }
        if (i == n && actual.length == expected.length) {
            return;
        }
        int from = Math.max(0, i - 40);
        throw new AssertionError(description + ": streams differ at byte " + i + " (lengths " + actual.length
                + " and " + expected.length + ")\n  got:      "
                + printable(actual, from, i + 40) + "\n  expected: " + printable(expected, from, i + 40));
    }

    private static String printable(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < Math.min(to, b.length); i++) {
            int c = b[i] & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : c == '\r' ? "\\r" : c == '\n' ? "\\n" : ".");
        }
        return sb.toString();
    }

    @Test
    void servesTheScriptWithoutMigration() throws IOException {
        Run run = serve(ascii(SCRIPT), FileServerConfig.of(root), NONE, NONE, 8192);
        assertSameStream(run.received(), expectedScript(), "no migration");
        assertThat(run.holders()).isEqualTo(1);
    }

    @Test
    void resumesByteExactAfterAMigrationAtEveryOutputByte() throws IOException {
        byte[] expected = expectedScript();
        for (long at = 0; at <= expected.length; at++) {
            Run run = serve(ascii(SCRIPT), FileServerConfig.of(root), new long[] {at}, NONE, 8192);
            assertSameStream(run.received(), expected, "migration at output byte " + at);
            assertThat(run.holders()).isEqualTo(at < expected.length ? 2 : 1);
        }
    }

    @Test
    void resumesByteExactAfterAMigrationAtEveryInputByte() throws IOException {
        byte[] expected = expectedScript();
        byte[] sends = ascii(SCRIPT);
        for (long at = 0; at <= sends.length; at++) {
            for (int readChunk : new int[] {1, 5, 8192}) {
                Run run = serve(sends, FileServerConfig.of(root), NONE, new long[] {at}, readChunk);
                assertSameStream(run.received(), expected, "migration at input byte " + at + ", reads of " + readChunk);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 7, 100, 1000, 1024, 1500, 4096})
    void survivesAChainOfMigrations(long every) throws IOException {
        byte[] expected = expectedScript();
        Run run = serve(ascii(SCRIPT), FileServerConfig.of(root), every(every, expected.length), NONE, 3);
        assertSameStream(run.received(), expected, "migrations");
        assertThat(run.holders()).isGreaterThan((int) Math.min(expected.length / every, 20));
        assertThat(run.starts()).contains("BODY");
    }

    @Test
    void migratesBetweenRequestsAndInTheMiddleOfBodies() throws IOException {
        byte[] expected = expectedScript();
        int firstHead = ok("application/octet-stream", new byte[0], false).length - 1; // head minus a CRLF
        Run run = serve(ascii(SCRIPT), FileServerConfig.of(root),
                new long[] {firstHead + 3000, expected.length - 2000, expected.length - 10}, NONE, 8192);
        assertSameStream(run.received(), expected, "migrations");
        assertThat(run.starts()).containsExactly("new", "IDLE", "BODY", "BODY");
    }

    @Test
    void resumesWithTheSameChunkBoundariesWhenTheChunkSizeDiffers() throws IOException {
        for (int chunk : new int[] {1, 100, 1024, 65536}) {
            byte[] expected = expectedScript();
            Run run = serve(ascii(SCRIPT), FileServerConfig.of(root).withChunkSize(chunk),
                    every(997, expected.length), NONE, 64);
            assertSameStream(run.received(), expected, "chunk " + chunk);
        }
    }

    @Test
    void paddedSnapshotsStillResume() throws IOException {
        byte[] expected = expectedScript();
        Run run = serve(ascii(SCRIPT), FileServerConfig.of(root).withSnapshotPad(16 * 1024),
                every(1500, expected.length), NONE, 8192);
        assertSameStream(run.received(), expected, "migrations");
        assertThat(run.maxSnapshot()).isEqualTo(16 * 1024);
    }

    @Test
    void aMalformedRequestGets400AndTheConnectionCloses() throws IOException {
        byte[] sends = ascii(KEEP + "GET /x HTTP/1.1\r\nBad Header\r\n\r\n" + KEEP);
        byte[] expected = concat(ok("application/octet-stream", small, false),
                text("400 Bad Request", "", "400 Bad Request: Illegal character SPACE=' '\n", true));
        for (long at = 0; at <= expected.length; at += 97) {
            Run run = serve(sends, FileServerConfig.of(root), new long[] {at}, NONE, 11);
            assertSameStream(run.received(), expected, "migrations");
        }
    }

    @Test
    void traversalIsRefusedWithoutClosing() throws IOException {
        Files.writeString(dir.getParent().resolve("secret-" + dir.getFileName()), "secret");
        byte[] sends = ascii("GET /../secret-" + dir.getFileName() + " HTTP/1.1\r\nHost: h\r\n\r\n"
                + "GET /%2e%2e/secret HTTP/1.1\r\nHost: h\r\n\r\n" + KEEP);
        Run run = serve(sends, FileServerConfig.of(root), NONE, NONE, 8192);
        String text = new String(run.received(), StandardCharsets.ISO_8859_1);
        assertThat(text).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("path traversal refused")
                .doesNotContain("secret\n");
        assertThat(text.split("HTTP/1.1 400 Bad Request", -1)).hasSize(3);
        assertThat(run.received()).endsWith(ok("application/octet-stream", small, false));
    }

    @Test
    void symbolicLinksLeavingTheDirectoryAreNotFollowed() throws IOException {
        Path outside = Files.createTempFile("mtcp-outside", ".txt");
        try {
            Files.writeString(outside, "outside");
            Path link = root.resolve("link.txt");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, outside);
            Run run = serve(ascii("GET /link.txt HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
                    FileServerConfig.of(root), NONE, NONE, 8192);
            assertThat(new String(run.received(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 404 ");
        } finally {
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void degradationDelaysChunksAfterTheThreshold() throws IOException {
        Degradation slow = new Degradation(2048, Duration.ofMillis(4), Duration.ofMillis(8));
        long start = System.nanoTime();
        Run run = serve(ascii("GET /sub/medium.bin HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
                FileServerConfig.of(root).withDegradation(slow), NONE, NONE, 8192);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(run.received()).endsWith(medium);
        // head + 1 KiB + 1 KiB reach 2048 bytes after the second chunk: the 4 remaining chunks
        // wait 4 + 8 + 8 + 8 ms at least.
        assertThat(elapsedMillis).isGreaterThanOrEqualTo(28);
    }

    @Test
    void theChunkIntervalPacesEveryChunkAndAddsToTheDegradation() throws IOException {
        Degradation slow = new Degradation(2048, Duration.ofMillis(4), Duration.ofMillis(8));
        long start = System.nanoTime();
        Run run = serve(ascii("GET /sub/medium.bin HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
                FileServerConfig.of(root).withChunkInterval(Duration.ofMillis(5)).withDegradation(slow),
                new long[] {3000}, NONE, 8192);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(run.received()).endsWith(medium);
        assertThat(run.holders()).isEqualTo(2);
        // The first server sends the head and chunks 1 and 2, then moves away while writing chunk 3
        // (at stream byte 3000): 5 + 5 + (5 + 4) ms, degraded from its third chunk. The second
        // resumes at chunk 3 and counts afresh: chunks 3 to 6 wait 5, 5, 5 + 4, 5 + 8 ms.
        assertThat(elapsedMillis).isGreaterThanOrEqualTo((5 + 5 + 9) + (5 + 5 + 9 + 13));
    }
}
