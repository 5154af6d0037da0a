package org.mtcp.core.internal.client;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.mtcp.core.ValueSyntax;
import org.mtcp.core.internal.TlsAccept;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ProtocolException;

/**
 * The client side of one handshake: TCP connect, then (with TLS) the TLS handshake, then HELLO at
 * once (no wait: without TLS the HELLO leaves with the TCP handshake's last ACK, with TLS right
 * behind the client's Finished, in the same flight), wait for WELCOME (or RESET), all within one
 * deadline; or, on a {@link StandbyLink}, HELLO and WELCOME only (its TCP and TLS handshakes were
 * paid when it was opened). The reader it returns keeps whatever arrived after WELCOME.
 *
 * <p>Round trips of a new link: TCP 1, TLS 1 (TLS 1.3; the JDK has no 0-RTT), HELLO/WELCOME 1.
 */
record Handshake(Socket socket, FrameReader<Frame> reader, Frame.Welcome welcome, long welcomeNanos, boolean standby) {

    /**
     * Builds a link's HELLO once the link is up: it may depend on the link (its TLS session, for a
     * proof bound to it).
     */
    @FunctionalInterface
    interface HelloForLink {
        Frame.Hello on(Socket link) throws IOException;
    }

    /** A new link to {@code address} carrying {@code hello} (see the other form). */
    static Handshake perform(InetSocketAddress address, Frame.Hello hello, TlsConfig tls, long timeoutNanos,
            int maxFrameSize) throws IOException {
        return perform(address, link -> hello, tls, timeoutNanos, maxFrameSize);
    }

    /**
     * A new link to {@code address}: connect, secure ({@code tls} null: plaintext), HELLO (built
     * now, from the link), WELCOME.
     */
    static Handshake perform(InetSocketAddress address, HelloForLink hello, TlsConfig tls, long timeoutNanos,
            int maxFrameSize) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        Socket link = connect(address, tls, deadline);
        try {
            link.getOutputStream().write(FrameEncoder.encode(hello.on(link)));
            FrameReader<Frame> reader = new FrameReader<>(link.getInputStream(), new FrameDecoder(maxFrameSize));
            return new Handshake(link, reader, awaitWelcome(reader, timeoutNanos), System.nanoTime(), false);
        } catch (IOException | RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /**
     * A TCP connection to {@code address} and, with {@code tls}, a completed TLS handshake on it
     * (the server's certificate verified against the trust anchors and the host dialled), within
     * {@code deadline}; the socket's read timeout is left at the time remaining.
     */
    static Socket connect(InetSocketAddress address, TlsConfig tls, long deadline) throws IOException {
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
            if (tls == null) {
                return s;
            }
            TlsAccept.boundClose(s); // a TLS close must not hang on a stuck writer
            SSLSocket secured = tls.client(s, address.getHostString(), address.getPort());
            try {
                secured.startHandshake();
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("no TLS handshake with " + ValueSyntax.format(address)
                        + " within the connect timeout");
            } catch (SSLException e) {
                throw new TlsRefusedException("TLS handshake with " + ValueSyntax.format(address) + " failed: "
                        + explain(e), e);
            }
            secured.setSoTimeout(remainingMillis(deadline));
            return secured;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Why a TLS handshake failed, in words an operator can act on, then the JDK's own message. */
    static String explain(SSLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateExpiredException) {
                return "the server's certificate has expired (" + e.getMessage() + ")";
            }
            if (t instanceof java.security.cert.CertificateNotYetValidException) {
                return "the server's certificate is not valid yet (" + e.getMessage() + ")";
            }
            if (t instanceof java.security.cert.CertPathBuilderException) {
                return "the server's certificate is not issued by a trusted anchor (" + e.getMessage() + ")";
            }
            if (t instanceof java.security.cert.CertificateException c && String.valueOf(c.getMessage()).contains("subject alternative")) {
                return "the server's certificate does not name the host dialled (" + e.getMessage() + ")";
            }
        }
        String m = String.valueOf(e.getMessage());
        if (m.contains("Unsupported or unrecognized SSL message") || m.contains("plaintext")) {
            return "the server does not speak TLS (plaintext port?) (" + m + ")";
        }
        if (m.contains("protocol_version") || m.contains("protocol version")) {
            return "the server does not speak TLS 1.3 (" + m + ")";
        }
        return m;
    }

    /**
     * The TLS handshake failed: the server's certificate is not trusted, expired or does not name
     * the host, the server speaks no TLS or no TLS 1.3, or it refused ours. Not a sign that the
     * server is going away.
     */
    static final class TlsRefusedException extends IOException {
        TlsRefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * HELLO on an idle standby link (connected and authenticated earlier; no keepalive in flight),
     * then WELCOME. The link is used up either way: on failure its socket is closed.
     */
    static Handshake onStandby(StandbyLink link, HelloForLink hello, long timeoutNanos) throws IOException {
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
