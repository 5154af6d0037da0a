package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.testkit.LoopbackPool;

/** The public surface not covered elsewhere: ids, options, pools, accept and start errors. */
@Timeout(30)
class PublicApiTest {

    @Test
    void connectionIdsRoundTripThroughText() {
        ConnectionId id = ConnectionId.random();
        assertThat(ConnectionId.parse(id.toString())).isEqualTo(id);
        assertThat(id.toString()).hasSize(32);
        assertThat(ConnectionId.random()).isNotEqualTo(id);
        assertThatThrownBy(() -> ConnectionId.parse("xyz")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConnectionId.parse("g".repeat(32))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void optionsAreValidatedAndKeepTheirOriginalConstructors() {
        ClientOptions five = new ClientOptions(List.of(), Duration.ofSeconds(5), Duration.ofSeconds(1), 4 << 20, 1 << 20);
        assertThat(five).isEqualTo(ClientOptions.defaults());
        assertThat(five.failover()).isTrue();
        assertThat(ServerOptions.defaults().stateTransfer().name()).isEqualTo("lazy");
        assertThatThrownBy(() -> ClientOptions.defaults().withMaxFrameSize(10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientOptions.defaults().withKeepaliveInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerOptions.defaults().withMaxRetainedBytes(10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerOptions.defaults().withOrphanTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        MigrationEvent seven = new MigrationEvent(ConnectionId.random(), "a", "b", "explicit", 1, true, null);
        assertThat(seven.error()).isEmpty();
    }

    @Test
    void poolsRefuseWeakSecretsAndDuplicateNames() {
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", 1);
        PoolMember m = new PoolMember("s1", a, a);
        assertThatThrownBy(() -> new PoolConfig(new byte[8], List.of(m))).hasMessageContaining("at least 16 bytes");
        assertThatThrownBy(() -> new PoolConfig(new byte[16], List.of(m, m))).hasMessageContaining("two servers named 's1'");
        assertThatThrownBy(() -> new PoolMember("a b", a, a)).hasMessageContaining("bad server name");
        PoolConfig p = new PoolConfig(new byte[16], List.of(m)).withMember(new PoolMember("s2", a, a));
        assertThat(p.members()).extracting(PoolMember::name).containsExactly("s1", "s2");
        byte[] secret = p.secret();
        secret[0] = 1;
        assertThat(p.secret()[0]).isZero(); // defensive copies
    }

    @Test
    void acceptTimesOutThenFailsOnceTheServerIsClosed() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(1)) {
            MtcpServer s1 = pool.server("s1");
            assertThat(s1.accept(Duration.ofMillis(50))).isNull();
            CompletableFuture<Throwable> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    s1.accept();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            }, r -> Thread.ofVirtual().start(r));
            s1.close();
            assertThat(blocked.get(5, TimeUnit.SECONDS)).isInstanceOf(IOException.class).hasMessageContaining("closed");
            assertThatThrownBy(s1::accept).isInstanceOf(IOException.class);
            assertThat(s1.name()).isEqualTo("s1");
        }
    }

    @Test
    void startingAnUnknownMemberOrABusyAddressIsAClearError() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(1)) {
            assertThatThrownBy(() -> MtcpServer.start(pool.pool(), "nope"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no server named 'nope'")
                    .hasMessageContaining("s1");
            // s1's addresses are taken: a second s1 cannot bind them.
            assertThatThrownBy(() -> MtcpServer.start(pool.pool(), "s1"))
                    .isInstanceOf(IOException.class).hasMessageContaining("cannot bind the service address");
            assertThat(pool.server("s1").stats().open()).isZero();
        }
    }

    @Test
    void connectingToNothingFailsWithEveryAddressTried() {
        InetSocketAddress dead = new InetSocketAddress("127.0.0.1", 1);
        assertThatThrownBy(() -> MtcpSocket.connect(List.of(dead, dead), ClientOptions.defaults()))
                .isInstanceOf(IOException.class).hasMessageContaining("could not connect to any server of the pool");
        assertThatThrownBy(() -> MtcpSocket.connect(List.of(), ClientOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
