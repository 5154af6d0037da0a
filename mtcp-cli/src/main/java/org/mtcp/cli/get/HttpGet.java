package org.mtcp.cli.get;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationListener;
import org.mtcp.core.MtcpSocket;
import org.mtcp.http.HttpMessageParser;
import org.mtcp.http.HttpMessageReader;
import org.mtcp.http.HttpParseException;
import org.mtcp.http.HttpResponseHead;

/**
 * One HTTP/1.1 GET over an {@link MtcpSocket}: sends the request, parses the response head,
 * reads the body by its framing (Content-Length, chunked, or until the end of the stream),
 * hashes it with SHA-256 and optionally copies it somewhere, then closes the connection. A body
 * shorter than announced is an error, never a silent success.
 *
 * <p>The request is a plain keep-alive one (no {@code Connection: close}): the client, not the
 * server, ends the connection once it has the body, so the connection can still migrate up to
 * the last byte (once a server has closed, there is nothing left to migrate).
 *
 * <p>{@code migrateEvery} forces an explicit {@link MtcpSocket#migrate()} each time that many
 * more body bytes have arrived, on top of whatever the policies of the options decide.
 */
public final class HttpGet {

    /** Longest response head accepted. */
    private static final int MAX_HEAD_SIZE = 64 * 1024;

    private final List<InetSocketAddress> pool;
    private final ClientOptions options;
    private final String host;
    private final long migrateEvery;
    private final MigrationListener listener;

    /**
     * @param host value of the Host header
     * @param migrateEvery body bytes between explicit migrations; 0 for none
     * @param listener told of every migration (may be null)
     */
    public HttpGet(List<InetSocketAddress> pool, ClientOptions options, String host, long migrateEvery,
            MigrationListener listener) {
        this.pool = List.copyOf(pool);
        this.options = options;
        this.host = host;
        this.migrateEvery = migrateEvery;
        this.listener = listener;
    }

    /** The request bytes for {@code path}. */
    static byte[] request(String path, String host) {
        return ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: mtcp-get\r\nAccept: */*\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Fetches {@code path} (an origin-form target such as {@code /big.bin}).
     *
     * @param copyTo receives the body (may be null)
     * @throws IOException on a transport failure, a malformed response or a truncated body
     */
    public GetResult fetch(String path, OutputStream copyTo) throws IOException {
        long start = System.nanoTime();
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (MtcpSocket socket = MtcpSocket.connect(pool, options)) {
            if (listener != null) {
                socket.addMigrationListener(listener);
            }
            OutputStream out = socket.getOutputStream();
            out.write(request(path, host));
            out.flush();
            Body body = new Body(socket, sha256, copyTo);
            HttpMessageParser parser = HttpMessageParser.forResponses(MAX_HEAD_SIZE);
            parser.setBodySink(body::accept);
            // the client closes once it has the body: reading ahead of the parser loses nothing
            HttpMessageReader reader = new HttpMessageReader(socket.getInputStream(), parser,
                    HttpMessageReader.ReadMode.BUFFERED, null);
            HttpResponseHead head;
            try {
                do {
                    if (!reader.readHead()) {
                        throw new EOFException("connection closed before a complete response head");
                    }
                    head = parser.response();
                    // no explicit migration past the announced end (a chunked body has none)
                    body.expected = head.header("Content-Length").map(Long::parseLong).orElse(-1L);
                    readBody(reader, body);
                } while (head.isInterim());
            } catch (HttpParseException e) {
                throw new IOException("malformed response: " + e.getMessage(), e);
            }
            if (copyTo != null) {
                copyTo.flush();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new GetResult(head.status(), body.bytes, sha256.digest(), socket.migrations(),
                    new ArrayList<>(socket.serversUsed()), seconds, socket.id());
        }
    }

    /** The body up to its end; one shorter than announced is an error, never a silent success. */
    private static void readBody(HttpMessageReader reader, Body body) throws IOException, HttpParseException {
        try {
            reader.readBody();
        } catch (EOFException e) {
            throw new EOFException("body truncated: " + body.bytes + " of "
                    + (body.expected < 0 ? "a chunked body's" : body.expected) + " bytes received");
        }
    }

    /** Counts, hashes and copies body bytes; migrates every {@code migrateEvery} bytes. */
    private final class Body {
        private final MtcpSocket socket;
        private final MessageDigest digest;
        private final OutputStream copy;
        private long bytes;
        private long nextMigration;
        /** Announced body length, -1 when unknown: no explicit migration once it is reached. */
        private long expected = -1;

        Body(MtcpSocket socket, MessageDigest digest, OutputStream copy) {
            this.socket = socket;
            this.digest = digest;
            this.copy = copy;
            this.nextMigration = migrateEvery > 0 ? migrateEvery : Long.MAX_VALUE;
        }

        void accept(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                // split at the next migration point, so that there is one migration per
                // migrateEvery bytes however the reads are cut
                int n = (int) Math.min(len, nextMigration - bytes);
                digest.update(b, off, n);
                if (copy != null) {
                    copy.write(b, off, n);
                }
                bytes += n;
                off += n;
                len -= n;
                if (bytes == nextMigration) {
                    nextMigration += migrateEvery;
                    if (expected < 0 || bytes < expected) {
                        socket.migrate();
                    }
                }
            }
        }
    }
}
