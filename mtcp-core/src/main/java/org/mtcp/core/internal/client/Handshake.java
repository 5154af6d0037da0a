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
 * The client side of one handshake: TCP connect, HELLO at once (no wait between the two: the
 * HELLO, made for the link by a {@link LinkHello}, leaves with the handshake's last ACK), wait for WELCOME (or RESET), all within one
 * deadline; or, on a {@link StandbyLink}, HELLO and WELCOME only. The reader it returns keeps
 * whatever arrived after WELCOME.
 */
record Handshake(Socket socket, FrameReader<Frame> reader, Frame.Welcome welcome, long welcomeNanos, boolean standby) {

    static Handshake perform(InetSocketAddress address, LinkHello hello, long timeoutNanos, int maxFrameSize)
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
            out.write(FrameEncoder.encode(hello.on(s))); // made for this link: a migration's proof is bound to it
            FrameReader<Frame> reader = new FrameReader<>(s.getInputStream(), new FrameDecoder(maxFrameSize));
            return new Handshake(s, reader, awaitWelcome(reader, timeoutNanos), System.nanoTime(), false);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * HELLO on an idle standby link (connected and authenticated earlier; no keepalive in flight),
     * then WELCOME. The link is used up either way: on failure its socket is closed.
     */
    static Handshake onStandby(StandbyLink link, LinkHello hello, long timeoutNanos) throws IOException {
        Socket s = link.socket;
        try {
            s.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(timeoutNanos))));
            s.getOutputStream().write(FrameEncoder.encode(hello.on(s)));
            return new Handshake(s, link.reader, awaitWelcome(link.reader, timeoutNanos), System.nanoTime(), true);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static Frame.Welcome awaitWelcome(FrameReader<Frame> reader, long timeoutNanos) throws IOException {
        Frame f;
        try {
            f = reader.read();
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("no WELCOME within "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        }
        if (f == null) {
            throw new EOFException("the server closed the connection during the handshake");
        }
        if (f instanceof Frame.Reset r) {
            throw new RefusedException(r.code(), r.message(), r.hint());
        }
        if (!(f instanceof Frame.Welcome w)) {
            throw new ProtocolException("expected WELCOME, got " + f.type());
        }
        return w;
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long ms = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (ms <= 0) {
            throw new SocketTimeoutException("handshake timed out");
        }
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }
}
