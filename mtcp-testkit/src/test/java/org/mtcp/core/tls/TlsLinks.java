package org.mtcp.core.tls;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLSocket;
import org.mtcp.core.internal.Threads;

/**
 * A real TLS echo server over {@link TlsConfig#server}, and a client helper: what the tests of
 * key loading and reloading connect to. Each accepted link runs on its own thread.
 */
final class TlsLinks implements Closeable {

    private final ServerSocket listener;
    private final TlsConfig server;

    TlsLinks(TlsConfig server) throws IOException {
        this.server = server;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Threads.start("tls-echo-accept", this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return;   // closed: the test is over
            }
            Threads.start("tls-echo", () -> echo(s));
        }
    }

    private void echo(Socket accepted) {
        try (SSLSocket s = server.server(accepted, false)) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[4096];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // a client that failed its handshake or went away: that link only
        }
    }

    /** A client link to this server, handshake done. */
    SSLSocket connect(TlsConfig client) throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 5000);
        plain.setSoTimeout(10_000);
        SSLSocket s = client.client(plain, "localhost", port());
        s.startHandshake();
        return s;
    }

    /** The serial of the certificate the server presented on {@code link}. */
    static BigInteger serverSerial(SSLSocket link) throws IOException {
        return ((X509Certificate) link.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    /** Sends {@code b} and reads it back: the link still carries bytes. */
    static int echo(SSLSocket link, int b) throws IOException {
        link.getOutputStream().write(b);
        link.getOutputStream().flush();
        return link.getInputStream().read();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
