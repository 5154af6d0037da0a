package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.testkit.LoopbackPool;

/** A plain TCP client at a service port: an HTTP request gets a readable answer; the server keeps serving. */
@Timeout(30)
class PlainClientTest {

    @Test
    void anHttpRequestIsToldThePortSpeaksMtcp() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(1)) {
            pool.serve(c -> c.getOutputStream().write('x'));
            try (Socket plain = new Socket()) {
                plain.connect(pool.serviceAddresses().get(0));
                OutputStream out = plain.getOutputStream();
                out.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = plain.getInputStream();
                String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).startsWith("HTTP/1.1 400 Bad Request\r\n")
                        .contains("Connection: close")
                        .contains("This is the M-TCP service port of server s1, not HTTP")
                        .contains("./mtcp proxy");
            }
            try (MtcpSocket s = MtcpSocket.connect(List.of(pool.serviceAddresses().get(0)), ClientOptions.defaults())) {
                assertThat(s.getInputStream().read()).as("an M-TCP client is still served").isEqualTo('x');
            }
            assertThat(pool.server("s1").stats().rejected()).isEqualTo(1);
        }
    }
}
