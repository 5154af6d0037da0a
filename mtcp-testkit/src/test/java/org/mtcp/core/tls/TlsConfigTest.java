package org.mtcp.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.mtcp.testkit.TestPki;

/** The TLS layer over real loopback sockets with the test kit's CA. */
class TlsConfigTest {

    private final TestPki pki = TestPki.create("pool");

    @Test
    void aClientTrustingThePoolCaTalksTls13ToAServerItIssued() throws Exception {
        TlsConfig server = TlsConfig.of(pki.issue("s1").keyStore(), TestPki.PASSWORD, pki.trustStore());
        TlsConfig client = TlsConfig.of(null, null, pki.trustStore());
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = server.server(listener.accept(), false)) {
                    byte[] b = s.getInputStream().readNBytes(5);
                    s.getOutputStream().write(b);
                    return s.getSession().getProtocol() + " " + new String(b);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket s = client.client(new Socket("127.0.0.1", listener.getLocalPort()), "127.0.0.1", listener.getLocalPort())) {
                s.getOutputStream().write("hello".getBytes());
                assertThat(new String(s.getInputStream().readNBytes(5))).isEqualTo("hello");
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
            }
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo("TLSv1.3 hello");
        }
    }

    @Test
    void aServerFromAnotherCaIsRefusedByTheClient() throws Exception {
        TlsConfig stranger = TlsConfig.of(TestPki.create("other").issue("s1").keyStore(), TestPki.PASSWORD, pki.trustStore());
        TlsConfig client = TlsConfig.of(null, null, pki.trustStore());
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                try (SSLSocket s = stranger.server(listener.accept(), false)) {
                    s.startHandshake();
                } catch (Exception e) {
                    // expected: the client aborts the handshake
                }
            });
            try (SSLSocket s = client.client(new Socket("127.0.0.1", listener.getLocalPort()), "127.0.0.1", listener.getLocalPort())) {
                assertThatThrownBy(s::startHandshake).isInstanceOf(SSLHandshakeException.class);
            }
        }
    }
}
