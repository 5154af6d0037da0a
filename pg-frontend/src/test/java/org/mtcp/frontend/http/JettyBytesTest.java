package org.mtcp.frontend.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.frontend.engine.ChunkedWriter;
import org.mtcp.frontend.jetty.FakeConnection;
import org.mtcp.frontend.jetty.MtcpConnector;
import org.mtcp.frontend.jetty.MtcpEndPoint;

/**
 * Proves that {@link ChunkedWriter} continues a batch response with exactly Jetty's bytes: Jetty
 * writes whole responses (head, then one chunk per line, then the end) through the real
 * {@link MtcpConnector} and {@link JettySink}, and for every chunk boundary the prefix Jetty
 * wrote plus what the writer regenerates from there equals Jetty's whole output. With
 * {@code Connection: close} Jetty does not chunk (the body ends with the connection): the writer
 * must match that too.
 */
class JettyBytesTest {

    static Server server;
    static final LinkedBlockingQueue<MtcpServerConnection> QUEUE = new LinkedBlockingQueue<>();
    static volatile List<byte[]> lines = List.of();
    /** Lines {@code tryLine} wrote at once: Jetty completes a write to the end point before it returns. */
    static final java.util.concurrent.atomic.AtomicInteger WRITTEN_AT_ONCE = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        server = new Server(new VirtualThreadPool());
        HttpConfiguration config = new HttpConfiguration();
        config.setSendDateHeader(false);
        config.setSendServerVersion(false);
        config.setSendXPoweredBy(false);
        MtcpConnector connector = new MtcpConnector(server, new MtcpConnector.ConnectionSource() {
            @Override
            public MtcpServerConnection accept() throws IOException {
                try {
                    return QUEUE.take();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }

            @Override
            public InetSocketAddress address() {
                return new InetSocketAddress("127.0.0.1", 9);
            }

            @Override
            public void close() {}

            @Override
            public boolean isClosed() {
                return false;
            }
        }, new HttpConnectionFactory(config));
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                Request.asInputStream(request).readAllBytes();
                response.setStatus(200);
                response.getHeaders().put("Content-Type", "application/x-ndjson");
                response.getHeaders().put("Batch-Id", "b-1");
                MtcpServerConnection connection =
                        ((MtcpEndPoint) request.getConnectionMetaData().getConnection().getEndPoint()).connection();
                JettySink sink = new JettySink(response, connection);
                sink.commitHead();
                // every other line through the write that never waits (a transaction thread's): the same bytes
                for (int i = 0; i < lines.size(); i++) {
                    if (i % 2 == 0) {
                        sink.line(lines.get(i));
                    } else if (sink.tryLine(lines.get(i))) {
                        WRITTEN_AT_ONCE.incrementAndGet();
                    } else {
                        sink.finishLine();
                    }
                }
                sink.finish();
                callback.succeeded();
                return true;
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    private static byte[] serve(List<byte[]> body, String connection) throws Exception {
        lines = body;
        FakeConnection c = new FakeConnection();
        String request = "POST /v1/batches HTTP/1.1\r\nHost: fe\r\nContent-Type: application/json\r\n"
                + (connection == null ? "" : "Connection: " + connection + "\r\n") + "Content-Length: 2\r\n\r\n{}";
        c.feed(request.getBytes(StandardCharsets.US_ASCII));
        if (!"close".equals(connection)) {
            c.endInput();
        }
        QUEUE.add(c);
        if ("close".equals(connection)) {
            c.awaitClosed(10_000);
            return c.written();
        }
        return c.awaitWritten(b -> new String(b, StandardCharsets.ISO_8859_1).endsWith("0\r\n\r\n"), 10_000);
    }

    private static int headLength(byte[] response) {
        String s = new String(response, StandardCharsets.ISO_8859_1);
        return s.indexOf("\r\n\r\n") + 4;
    }

    @Test
    void regeneratesJettysBytesFromEveryChunkBoundary() throws Exception {
        Random random = new Random(42);
        List<byte[]> body = new ArrayList<>();
        // sizes that need 1, 2, 3 and 4 hex digits, and random ones
        for (int size : new int[] {1, 9, 15, 16, 17, 255, 256, 4095, 4096, 70_000}) {
            body.add(line(size, random));
        }
        for (int i = 0; i < 30; i++) {
            body.add(line(1 + random.nextInt(600), random));
        }
        for (String connection : new String[] {null, "close", "keep-alive"}) {
            WRITTEN_AT_ONCE.set(0);
            byte[] jetty = serve(body, connection);
            assertThat(WRITTEN_AT_ONCE).as("every other line written by tryLine at once").hasValue(body.size() / 2);
            int head = headLength(jetty);
            assertThat(new String(jetty, 0, head, StandardCharsets.ISO_8859_1))
                    .startsWith("HTTP/1.1 200 OK\r\n")
                    .doesNotContain("Date:").doesNotContain("Server:");
            int position = head;
            boolean chunked = !"close".equals(connection);
            for (int k = 0; k <= body.size(); k++) {
                ByteArrayOutputStream rest = new ByteArrayOutputStream();
                ChunkedWriter writer = new ChunkedWriter(rest, k, chunked);
                for (int i = k; i < body.size(); i++) {
                    writer.line(body.get(i));
                }
                writer.finish();
                ByteArrayOutputStream whole = new ByteArrayOutputStream();
                whole.write(jetty, 0, position);
                whole.writeBytes(rest.toByteArray());
                assertThat(whole.toByteArray()).as("continued after %d chunks (Connection: %s)", k, connection)
                        .isEqualTo(jetty);
                if (k < body.size()) {
                    position += chunked ? ChunkedWriter.chunk(body.get(k), k).length : body.get(k).length;
                }
            }
            assertThat(position + (chunked ? ChunkedWriter.end(body.size()).length : 0)).isEqualTo(jetty.length);
        }
    }

    @Test
    void anEmptyBodyEndsLikeJetty() throws Exception {
        byte[] jetty = serve(List.of(), null);
        int head = headLength(jetty);
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        new ChunkedWriter(rest, 0).finish();
        assertThat(new String(jetty, head, jetty.length - head, StandardCharsets.ISO_8859_1))
                .isEqualTo(rest.toString(StandardCharsets.ISO_8859_1));
    }

    private static byte[] line(int size, Random random) {
        byte[] b = new byte[size];
        for (int i = 0; i < size - 1; i++) {
            b[i] = (byte) ('a' + random.nextInt(26));
        }
        b[size - 1] = '\n';
        return b;
    }
}
