package org.mtcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class ConvertersTest {

    @Test
    void parsesDurations() {
        assertThat(Converters.parseDuration("0")).isEqualTo(Duration.ZERO);
        assertThat(Converters.parseDuration("500us")).isEqualTo(Duration.ofNanos(500_000));
        assertThat(Converters.parseDuration("2ms")).isEqualTo(Duration.ofMillis(2));
        assertThat(Converters.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Converters.parseDuration("3m")).isEqualTo(Duration.ofMinutes(3));
        assertThat(Converters.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Converters.parseDuration("250ns")).isEqualTo(Duration.ofNanos(250));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2", "ms", "-1s", "1.s", "2 ms", "1d", "abc"})
    void rejectsBadDurations(String value) {
        assertThatThrownBy(() -> Converters.parseDuration(value)).isInstanceOf(TypeConversionException.class);
    }

    @Test
    void parsesByteSizes() {
        assertThat(Converters.parseByteSize("32768")).isEqualTo(32768);
        assertThat(Converters.parseByteSize("32k")).isEqualTo(32768);
        assertThat(Converters.parseByteSize("32KiB")).isEqualTo(32768);
        assertThat(Converters.parseByteSize("4m")).isEqualTo(4 << 20);
        assertThat(Converters.parseByteSize("1g")).isEqualTo(1L << 30);
        assertThat(Converters.parseByteSize("10b")).isEqualTo(10);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "k", "-1", "1.5k", "12q", "99999999999999999999"})
    void rejectsBadSizes(String value) {
        assertThatThrownBy(() -> Converters.parseByteSize(value)).isInstanceOf(TypeConversionException.class);
    }

    @Test
    void parsesAddresses() {
        assertThat(Converters.parseHostPort("127.0.0.1:8080")).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(Converters.parseHostPort("9000")).isEqualTo(new InetSocketAddress("127.0.0.1", 9000));
        assertThat(Converters.parseHostPort("[::1]:0").getPort()).isZero();
        assertThat(Converters.parseHostPort("localhost:1").getAddress().isLoopbackAddress()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"host:", ":80", "127.0.0.1:65536", "127.0.0.1:x", "::1:80", "[::1]80"})
    void rejectsBadAddresses(String value) {
        assertThatThrownBy(() -> Converters.parseHostPort(value)).isInstanceOf(TypeConversionException.class);
    }
}
