package org.mtcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** The syntax itself is tested in mtcp-core (ValueSyntaxTest); here, that refusals become picocli's one-line errors. */
class ConvertersTest {

    @Test
    void convertValuesAndRefuseWithOneLine() {
        assertThat(Converters.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Converters.parseByteSize("32k")).isEqualTo(32768);
        assertThat(Converters.parseHostPort("9000")).isEqualTo(new InetSocketAddress("127.0.0.1", 9000));
        assertThatThrownBy(() -> Converters.parseDuration("2 s")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> Converters.parseByteSize("12q")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> Converters.parseHostPort("127.0.0.1:65536")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("out of range");
    }
}
