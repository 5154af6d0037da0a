package org.mtcp.bench;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Plain TCP reference measurements on the same paths as M-TCP: an echo server, the round-trip
 * time of a path (1-byte ping-pong on an open connection), and the lower bound of a migration,
 * a TCP handshake plus one round trip (connect, 1 byte there and back).
 */
public final class PlainNet {
    private PlainNet() {}

    /** A 1-byte echo server on loopback: every byte read is written back at once. */
    public static final class Echo implements Closeable {
        private final ServerSocket listener;

        public Echo() throws IOException {
            listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().name("bench-echo-accept").start(this::acceptLoop);
        }

        public InetSocketAddress address() {
            return (InetSocketAddress) listener.getLocalSocketAddress();
        }

        private void acceptLoop() {
            while (true) {
                Socket s;
                try {
                    s = listener.accept();
                } catch (IOException e) {
                    return;
                }
                Thread.ofVirtual().name("bench-echo").start(() -> { // as the M-TCP servers do
                    try (s) {
                        s.setTcpNoDelay(true);
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        byte[] b = new byte[512];
                        int n;
                        while ((n = in.read(b)) > 0) {
                            out.write(b, 0, n);
                        }
                    } catch (IOException ignored) {
                        // the client went away
                    }
                });
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    /** {@code n} round trips of one byte on one open connection to an echo at {@code address}, in ns. */
    public static long[] roundTrips(InetSocketAddress address, int n) throws IOException {
        long[] out = new long[n];
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(address, 5000);
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            OutputStream o = s.getOutputStream();
            for (int i = 0; i < 20; i++) { // warm-up
                o.write(1);
                readOne(in);
            }
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                o.write(1);
                readOne(in);
                out[i] = System.nanoTime() - t0;
            }
        }
        return out;
    }

    /** {@code n} times: a fresh TCP connection plus one 1-byte round trip on it, in ns. */
    public static long[] connectPlusRoundTrip(InetSocketAddress address, int n) throws IOException {
        long[] out = new long[n];
        for (int i = -10; i < n; i++) { // 10 warm-up rounds
            long t0 = System.nanoTime();
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.connect(address, 5000);
                s.setSoTimeout(5000);
                s.getOutputStream().write(1);
                readOne(s.getInputStream());
                long t = System.nanoTime() - t0;
                if (i >= 0) {
                    out[i] = t;
                }
            }
        }
        return out;
    }

    private static void readOne(InputStream in) throws IOException {
        if (in.read() < 0) {
            throw new IOException("echo closed the connection");
        }
    }
}
