package org.mtcp.core.internal.server;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ssl.SSLSocket;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.tls.TlsConfig;

/**
 * A TLS 1.3 service port for a server of a test pool, until the kit has a TLS mode: each accepted
 * link gets its TLS handshake, then goes through the server's own {@link Admission}, as a link of
 * its plain service port does. Closing stops accepting (links handed over stay with the server).
 */
public final class TlsServicePort implements AutoCloseable {

    private final ServerSocket listener;

    private TlsServicePort(ServerSocket listener) {
        this.listener = listener;
    }

    public static TlsServicePort start(MtcpServer server, TlsConfig tls) throws IOException {
        Admission admission = new Admission(engineOf(server));
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!listener.isClosed()) {
                Socket accepted;
                try {
                    accepted = listener.accept();
                } catch (IOException e) {
                    return; // closed: the test is over
                }
                Thread.ofVirtual().start(() -> {
                    try {
                        SSLSocket link = tls.server(accepted, false);
                        link.startHandshake();
                        admission.handshake(link);
                    } catch (IOException e) {
                        // the client went away during the TLS handshake: its own assertions say what it saw
                    }
                });
            }
        });
        return new TlsServicePort(listener);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The engine behind a server (private to MtcpServer; the test hands it links). */
    private static ServerEngine engineOf(MtcpServer server) {
        try {
            Field f = MtcpServer.class.getDeclaredField("engine");
            f.setAccessible(true);
            return (ServerEngine) f.get(server);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("MtcpServer has no engine field any more", e);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
