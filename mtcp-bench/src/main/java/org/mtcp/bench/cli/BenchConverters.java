package org.mtcp.bench.cli;

import java.time.Duration;
import org.mtcp.core.ValueSyntax;
import org.mtcp.core.transfer.StateTransfer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Picocli converters for sizes ({@code 16k}), durations ({@code 1ms}, {@code 0}) and state transfer
 * strategies ({@code lazy}, {@code replicated:2}).
 */
final class BenchConverters {
    private BenchConverters() {}

    static final class Size implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return ValueSyntax.byteSize(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class IntSize implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            long v = new Size().convert(value);
            if (v > Integer.MAX_VALUE - 64) {
                throw new TypeConversionException("too large: '" + value + "'");
            }
            return (int) v;
        }
    }

    static final class Time implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return ValueSyntax.duration(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** One strategy of {@link StateTransfer#parse}; the options split their lists on commas. */
    static final class Transfer implements ITypeConverter<StateTransfer> {
        @Override
        public StateTransfer convert(String value) {
            try {
                return StateTransfer.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** One link kind of {@link org.mtcp.bench.Link#parse}: plain or tls. */
    static final class LinkKind implements ITypeConverter<org.mtcp.bench.Link> {
        @Override
        public org.mtcp.bench.Link convert(String value) {
            try {
                return org.mtcp.bench.Link.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
