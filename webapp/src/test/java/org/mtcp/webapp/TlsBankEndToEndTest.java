package org.mtcp.webapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;

/**
 * Issue 16: {@link BankEndToEndTest}'s every test (forced migrations at random points, java.net.http
 * and curl through the proxy, the response-time policy, concurrent batches, a re-posted id) with
 * TLS 1.3 on every link: the proxy to each front-end, and mutual TLS between the front-ends for
 * the state fetches of the migrations. Same checks: every line exactly once, money conserved.
 * ({@link BankEndToEndTest#start} starts the pool over TLS for this class.)
 */
class TlsBankEndToEndTest extends BankEndToEndTest {

    @Test
    void theFrontEndsSpeakOnlyTls() {
        assertThat(pool.mtcp().usesTls()).isTrue();
        for (java.net.InetSocketAddress address : pool.addresses()) {
            assertThatThrownBy(() -> MtcpSocket.connect(List.of(address),
                            ClientOptions.defaults().withPlaintext().withFailover(false)).close())
                    .as("a plaintext client of %s", address).isInstanceOf(IOException.class);
        }
    }
}
