package org.mtcp.bench.failover;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import org.mtcp.core.MigratedException;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.transfer.StateTransfer;

/**
 * The server process {@code bench failover} kills: {@code FailoverServer POOL_FILE NAME
 * STATE_TRANSFER RATE_BYTES_PER_S CHUNK SNAPSHOT_EVERY CONTROL_TIMEOUT_MS}, started as {@code java -cp <the bench
 * JVM's class path>} (so from the ./mtcp jar and from tests alike). An M-TCP server with the
 * default options but the state transfer and the control timeout, running {@link #serve} on every connection. Prints
 * {@code READY name} once serving; exits when its stdin ends (the bench JVM is gone).
 *
 * <p>The application streams {@link #patternByte} bytes: the client sends the stream's length (8
 * bytes), the server writes bytes {@code [0, length)} in chunks, paced to {@code rate} bytes per
 * second, exports its position every {@code snapshotEvery} bytes, and closes. A holder that took
 * the connection over may first write four snapshot intervals at once: it regenerates from the
 * snapshot what the client mostly has already, and a real server would not make the client wait
 * for that at the stream's pace. A new
 * holder resumes at the snapshot's position; before any snapshot, it reads the request again from
 * the replayed input.
 */
public final class FailoverServer {

    private final long rate;
    private final int chunk;
    private final long snapshotEvery;

    FailoverServer(long rate, int chunk, long snapshotEvery) {
        this.rate = rate;
        this.chunk = chunk;
        this.snapshotEvery = snapshotEvery;
    }

    /** The last argument for plaintext links (chosen explicitly). */
    static final String PLAINTEXT = "plaintext";
    /** The name of the bench's CA: its certificate is {@code CA_NAME-ca.crt} in the TLS directory. */
    static final String CA_NAME = "failover";

    /**
     * {@code plaintext}, or a directory holding {@code NAME.crt} and {@code NAME.key} (this
     * server's PEM identity) and the CA's certificate, the pool's trust anchor.
     */
    private static ServerOptions links(ServerOptions options, String arg, String name) throws java.io.IOException {
        if (arg.equals(PLAINTEXT)) {
            return options.withPlaintext();
        }
        Path dir = Path.of(arg);
        return options.withTls(org.mtcp.core.tls.TlsConfig.load(org.mtcp.core.tls.TlsFiles.pem(dir.resolve(name + ".crt"),
                dir.resolve(name + ".key"), org.mtcp.core.tls.TlsFiles.Password.none(), dir.resolve(CA_NAME + "-ca.crt"))));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: FailoverServer POOL_FILE NAME STATE_TRANSFER RATE CHUNK SNAPSHOT_EVERY "
                    + "CONTROL_TIMEOUT_MS plaintext|TLS_DIR");
            System.exit(2);
        }
        StateTransfer transfer = StateTransfer.parse(args[2]);
        PoolConfig pool = PoolConfig.load(Path.of(args[0]));
        transfer.checkPoolSize(pool.members().size());
        FailoverServer app = new FailoverServer(Long.parseLong(args[3]), Integer.parseInt(args[4]),
                Long.parseLong(args[5]));
        ServerOptions options = ServerOptions.defaults().withStateTransfer(transfer)
                .withControlTimeout(java.time.Duration.ofMillis(Long.parseLong(args[6])));
        MtcpServer server = MtcpServer.start(pool, args[1], links(options, args[7], args[1]));
        Thread.ofPlatform().name("failover-accept").daemon().start(() -> app.acceptLoop(server));
        System.out.println("READY " + args[1]);
        System.out.flush();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            while (in.readLine() != null) {
                // nothing is asked on stdin: its end (the bench JVM gone) ends this process
            }
        }
        server.close();
        System.exit(0);
    }

    private void acceptLoop(MtcpServer server) {
        while (true) {
            MtcpServerConnection c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return; // the server closed
            }
            Thread.ofVirtual().name("failover-app").start(() -> {
                try {
                    serve(c);
                } catch (MigratedException e) {
                    // fenced: a newer holder has the connection (this one was stopped or cut off)
                } catch (IOException e) {
                    System.err.println("connection " + c.id() + ": " + e);
                }
            });
        }
    }

    /** Byte {@code i} of every stream: the client checks each one. */
    public static byte patternByte(long i) {
        long x = (i >>> 3) * 0x9E3779B97F4A7C15L;
        return (byte) ((x >>> (8 * (i & 7))) ^ (i >>> 16));
    }

    void serve(MtcpServerConnection c) throws IOException {
        long length;
        long pos;
        byte[] state = c.migrated() ? c.importState() : new byte[0];
        if (state.length == 16) {
            ByteBuffer b = ByteBuffer.wrap(state);
            length = b.getLong();
            pos = b.getLong();
        } else {
            length = new DataInputStream(c.getInputStream()).readLong();
            pos = 0;
        }
        OutputStream out = c.getOutputStream();
        byte[] buf = new byte[chunk];
        long nextSnapshot = (pos / snapshotEvery + 1) * snapshotEvery;
        long burst = 4 * snapshotEvery + chunk;
        long allowance = c.migrated() ? burst : 0; // a new stream starts at the pace
        long last = System.nanoTime();
        while (pos < length) {
            int n = (int) Math.min(Math.min(chunk, length - pos), nextSnapshot - pos);
            long now = System.nanoTime();
            allowance = Math.min(burst, allowance + (now - last) * rate / 1_000_000_000L);
            last = now;
            if (allowance < n) {
                LockSupport.parkNanos((n - allowance) * 1_000_000_000L / rate); // the application's pace
                continue;
            }
            allowance -= n;
            for (int i = 0; i < n; i++) {
                buf[i] = patternByte(pos + i);
            }
            out.write(buf, 0, n);
            pos += n;
            if (pos == nextSnapshot) {
                c.exportState(ByteBuffer.allocate(16).putLong(length).putLong(pos).array());
                nextSnapshot += snapshotEvery;
            }
        }
        out.flush();
        c.close();
    }
}
