package org.mtcp.core.internal.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ProtocolException;

/**
 * The client side of one handshake: TCP connect, HELLO, wait for WELCOME (or RESET), all within
 * one deadline. The reader it returns keeps whatever arrived after WELCOME.
 */
record Handshake(Socket socket, FrameReader<Frame> reader, Frame.Welcome welcome, long welcomeNanos) {

    static Handshake perform(InetSocketAddress address, Frame.Hello hello, long timeoutNanos, int maxFrameSize)
            throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            InetSocketAddress a = address.isUnresolved()
                    ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
            if (a.isUnresolved()) {
                throw new IOException("cannot resolve " + address.getHostString());
            }
            s.connect(a, remainingMillis(deadline));
            s.setSoTimeout(remainingMillis(deadline));
            OutputStream out = s.getOutputStream();
            out.write(FrameEncoder.encode(hello));
            out.flush();
            FrameReader<Frame> reader = new FrameReader<>(s.getInputStream(), new FrameDecoder(maxFrameSize));
            Frame f;
            try {
                f = reader.read();
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("no WELCOME within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            }
            long at = System.nanoTime();
            if (f == null) {
                throw new EOFException("the server closed the connection during the handshake");
            }
            if (f instanceof Frame.Reset r) {
                throw new RefusedException(r.code(), r.message(), r.hint());
            }
            if (!(f instanceof Frame.Welcome w)) {
                throw new ProtocolException("expected WELCOME, got " + f.type());
            }
            return new Handshake(s, reader, w, at);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long ms = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (ms <= 0) {
            throw new SocketTimeoutException("handshake timed out");
        }
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }
}
