package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValueSyntaxTest {

    @Test
    void parsesDurations() {
        assertThat(ValueSyntax.duration("0")).isEqualTo(Duration.ZERO);
        assertThat(ValueSyntax.duration("500us")).isEqualTo(Duration.ofNanos(500_000));
        assertThat(ValueSyntax.duration("2ms")).isEqualTo(Duration.ofMillis(2));
        assertThat(ValueSyntax.duration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(ValueSyntax.duration("3m")).isEqualTo(Duration.ofMinutes(3));
        assertThat(ValueSyntax.duration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(ValueSyntax.duration("250ns")).isEqualTo(Duration.ofNanos(250));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2", "ms", "-1s", "1.s", "2 ms", "1d", "abc"})
    void rejectsBadDurations(String value) {
        assertThatThrownBy(() -> ValueSyntax.duration(value)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsesByteSizes() {
        assertThat(ValueSyntax.byteSize("32768")).isEqualTo(32768);
        assertThat(ValueSyntax.byteSize("32k")).isEqualTo(32768);
        assertThat(ValueSyntax.byteSize("32KiB")).isEqualTo(32768);
        assertThat(ValueSyntax.byteSize("4m")).isEqualTo(4 << 20);
        assertThat(ValueSyntax.byteSize("1g")).isEqualTo(1L << 30);
        assertThat(ValueSyntax.byteSize("10b")).isEqualTo(10);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "k", "-1", "1.5k", "12q", "99999999999999999999"})
    void rejectsBadSizes(String value) {
        assertThatThrownBy(() -> ValueSyntax.byteSize(value)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsesAddresses() {
        assertThat(hostPort("127.0.0.1:8080")).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(hostPort("9000")).isEqualTo(new InetSocketAddress("127.0.0.1", 9000));
        assertThat(hostPort("[::1]:0").getPort()).isZero();
        assertThat(hostPort("localhost:1").getAddress().isLoopbackAddress()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"host:", ":80", "127.0.0.1:65536", "127.0.0.1:x", "::1:80", "[::1]80"})
    void rejectsBadAddresses(String value) {
        assertThatThrownBy(() -> hostPort(value)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void formatsWhatItReadsBack() {
        for (String d : new String[] {"0", "2s", "1500ms", "500us", "250ns"}) {
            assertThat(ValueSyntax.format(ValueSyntax.duration(d))).isEqualTo(d);
        }
        assertThat(ValueSyntax.formatByteSize(16 * 1024)).isEqualTo("16K");
        assertThat(ValueSyntax.formatByteSize(4L << 20)).isEqualTo("4M");
        assertThat(ValueSyntax.formatByteSize(100)).isEqualTo("100B");
    }

    @Test
    void aBarePortNeedsADefaultHost() {
        assertThat(ValueSyntax.hostPort("9000", "127.0.0.1").getHostString()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> ValueSyntax.hostPort("9000", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not HOST:PORT");
        assertThatThrownBy(() -> ValueSyntax.resolved(ValueSyntax.hostPort("no-such-host.invalid:1", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown host");
    }

    @Test
    void addressesPrintAsTheyAreWritten() {
        assertThat(ValueSyntax.format(InetSocketAddress.createUnresolved("127.0.0.1", 17101))).isEqualTo("127.0.0.1:17101");
        assertThat(ValueSyntax.format(ValueSyntax.hostPort("[::1]:80", null))).isEqualTo("[::1]:80");
        assertThat(ValueSyntax.format(new InetSocketAddress("127.0.0.1", 5))).isEqualTo("127.0.0.1:5");
    }

    private static InetSocketAddress hostPort(String text) {
        return ValueSyntax.resolved(ValueSyntax.hostPort(text, "127.0.0.1"));
    }
}
