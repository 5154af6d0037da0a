package org.mtcp.cli;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Supplier;
import org.mtcp.core.ValueSyntax;
import org.mtcp.core.policy.MigrationPolicy;
import org.mtcp.core.transfer.StateTransfer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Picocli converters for the values of {@link ValueSyntax}; a bad value is a one-line error and
 * exit code 2 (picocli).
 */
public final class Converters {

    private Converters() {}

    /**
     * {@code HOST:PORT}, {@code [IPv6]:PORT}, or a bare {@code PORT} (meaning 127.0.0.1:PORT).
     * Port 0 means any free port where that makes sense.
     */
    public static final class HostPort implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            return parseHostPort(value);
        }
    }

    /** {@link ValueSyntax#hostPort} with a bare port meaning 127.0.0.1, resolved (an unknown host fails here). */
    public static InetSocketAddress parseHostPort(String value) {
        return syntax(() -> ValueSyntax.resolved(ValueSyntax.hostPort(value, "127.0.0.1")));
    }

    /** A duration with a unit: {@code 500us}, {@code 2ms}, {@code 1.5s}, {@code 1m}; or {@code 0}. */
    public static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value);
        }
    }

    public static Duration parseDuration(String value) {
        return syntax(() -> ValueSyntax.duration(value));
    }

    /** A byte count: {@code 32768}, {@code 32k}, {@code 32KiB}, {@code 4m}, {@code 1g} (powers of 1024). */
    public static final class ByteSize implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parseByteSize(value);
        }
    }

    /** A {@link ByteSize} that must fit in an int. */
    public static final class IntByteSize implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            long v = parseByteSize(value);
            if (v > Integer.MAX_VALUE) {
                throw new TypeConversionException("'" + value + "' is too large");
            }
            return (int) v;
        }
    }

    public static long parseByteSize(String value) {
        return syntax(() -> ValueSyntax.byteSize(value));
    }

    /** Picocli's one-line error for a value {@link ValueSyntax} refuses. */
    private static <T> T syntax(Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** A migration policy spec of {@link org.mtcp.core.policy.Policies#parse}. */
    public static final class PolicyConverter implements ITypeConverter<Supplier<MigrationPolicy>> {
        @Override
        public Supplier<MigrationPolicy> convert(String value) {
            return PolicySpecs.parse(value);
        }
    }

    /** A state transfer strategy of {@link StateTransfer#parse}: lazy, replicated, replicated:K. */
    public static final class StateTransferConverter implements ITypeConverter<StateTransfer> {
        @Override
        public StateTransfer convert(String value) {
            return syntax(() -> StateTransfer.parse(value));
        }
    }
}
