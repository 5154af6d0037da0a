package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The client's memory of draining or unreachable servers: an order, bounded in time and size. */
class UnavailableServersTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final InetSocketAddress a = InetSocketAddress.createUnresolved("127.0.0.1", 7001);
    private final InetSocketAddress b = InetSocketAddress.createUnresolved("127.0.0.1", 7002);
    private final InetSocketAddress c = InetSocketAddress.createUnresolved("127.0.0.1", 7003);

    private UnavailableServers memory(int capacity) {
        return new UnavailableServers(Duration.ofNanos(100), capacity, now::get);
    }

    @Test
    void avoidedServersComeLastTheLongestAvoidedFirstAndReturnWhenTheTimeHasPassed() {
        UnavailableServers m = memory(8);
        assertThat(m.order(List.of(a, b, c))).containsExactly(a, b, c);
        m.markUnavailable(b);
        now.addAndGet(10);
        m.markUnavailable(a);
        assertThat(m.order(List.of(a, b, c))).containsExactly(c, b, a);
        assertThat(m.isAvoided(a)).isTrue();
        now.addAndGet(95); // b's mark is 105 old, a's 95
        assertThat(m.order(List.of(a, b, c))).containsExactly(b, c, a);
        assertThat(m.size()).isEqualTo(1);
        now.addAndGet(10);
        assertThat(m.order(List.of(a, b, c))).containsExactly(a, b, c);
        assertThat(m.size()).isZero();
    }

    @Test
    void aServerThatTakesAConnectionIsInItsPlaceAgainAndResolvedAddressesAreTheSameServer() {
        UnavailableServers m = memory(8);
        m.markUnavailable(new InetSocketAddress("127.0.0.1", 7001));
        assertThat(m.order(List.of(a, b))).containsExactly(b, a);
        m.markAvailable(a);
        assertThat(m.order(List.of(a, b))).containsExactly(a, b);
    }

    @Test
    void memoryIsBoundedTheOldestMarkGoesFirst() {
        UnavailableServers m = memory(2);
        m.markUnavailable(a);
        m.markUnavailable(b);
        m.markUnavailable(c);
        assertThat(m.size()).isEqualTo(2);
        assertThat(m.isAvoided(a)).isFalse();
        assertThat(m.order(List.of(a, b, c))).containsExactly(a, b, c);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> new UnavailableServers(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UnavailableServers(Duration.ZERO, 0, System::nanoTime))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new UnavailableServers(UnavailableServers.DEFAULT_AVOID_FOR).avoidFor()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void marksSayWhyAndAServerAPolicyLeftIsNotBackByAnsweringAHandshake() {
        UnavailableServers m = memory(8);
        m.markUnavailable(a, UnavailableServers.Why.TIMED_OUT);
        m.markUnavailable(b, UnavailableServers.Why.LEFT_BY_POLICY);
        assertThat(m.why(a)).contains(UnavailableServers.Why.TIMED_OUT);
        assertThat(m.why(b)).contains(UnavailableServers.Why.LEFT_BY_POLICY);
        assertThat(m.why(c)).isEmpty();
        assertThat(m.allAvoided(List.of(a, b))).isTrue();
        assertThat(m.allAvoided(List.of(a, b, c))).isFalse();
        m.markAvailable(a);
        m.markAvailable(b);                 // a handshake says nothing about its response times
        assertThat(m.why(a)).isEmpty();
        assertThat(m.why(b)).contains(UnavailableServers.Why.LEFT_BY_POLICY);
        assertThat(m.toString()).isEqualTo("UnavailableServers[" + b.getHostString() + ":" + b.getPort()
                + " LEFT_BY_POLICY]");
        now.addAndGet(100);                 // the quarantine expires
        assertThat(m.allAvoided(List.of(b))).isFalse();
    }

    @Test
    void anythingWithAnAddressIsOrderedLikeItsAddress() {
        UnavailableServers m = memory(8);
        m.markUnavailable(a, UnavailableServers.Why.FAILED);
        java.util.Map<String, InetSocketAddress> names = java.util.Map.of("s1", a, "s2", b, "s3", c);
        assertThat(m.order(List.of("s1", "s2", "s3"), names::get)).containsExactly("s2", "s3", "s1");
    }
}
