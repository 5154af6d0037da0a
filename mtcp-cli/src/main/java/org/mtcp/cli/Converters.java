package org.mtcp.cli;

import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;
import org.mtcp.core.policy.MigrationPolicy;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parsers of option values; a bad value is a one-line error and exit code 2 (picocli). */
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

    public static InetSocketAddress parseHostPort(String value) {
        String host;
        String port;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                throw new TypeConversionException("'" + value + "' is not [IPv6]:PORT");
            }
            host = value.substring(1, close);
            port = value.substring(close + 2);
        } else {
            int colon = value.lastIndexOf(':');
            if (colon < 0) {
                host = "127.0.0.1";
                port = value;
            } else {
                if (value.indexOf(':') != colon) {
                    throw new TypeConversionException("'" + value + "': write an IPv6 address as [ADDRESS]:PORT");
                }
                host = value.substring(0, colon);
                port = value.substring(colon + 1);
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not HOST:PORT (bad port '" + port + "')");
        }
        if (p < 0 || p > 65535) {
            throw new TypeConversionException("port out of range in '" + value + "'");
        }
        if (host.isEmpty()) {
            throw new TypeConversionException("'" + value + "' has no host");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (UnknownHostException e) {
            throw new TypeConversionException("unknown host '" + host + "'");
        }
    }

    /** A duration with a unit: {@code 500us}, {@code 2ms}, {@code 1.5s}, {@code 1m}; or {@code 0}. */
    public static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value);
        }
    }

    private static final java.util.regex.Pattern DURATION =
            java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)");

    public static Duration parseDuration(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        java.util.regex.Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a duration (e.g. 500us, 2ms, 1.5s, 1m)");
        }
        long factor = switch (m.group(2)) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        try {
            BigDecimal nanos = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(factor));
            return Duration.ofNanos(nanos.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
        } catch (ArithmeticException e) {
            throw new TypeConversionException("duration '" + value + "' is too long");
        }
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
        String v = value.trim().toLowerCase(Locale.ROOT);
        long factor = 1;
        String[][] suffixes = {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"},
                {"kb", "1024"}, {"mb", "1048576"}, {"gb", "1073741824"},
                {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}, {"b", "1"}};
        for (String[] s : suffixes) {
            if (v.endsWith(s[0])) {
                factor = Long.parseLong(s[1]);
                v = v.substring(0, v.length() - s[0].length());
                break;
            }
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new TypeConversionException("negative size '" + value + "'");
            }
            return Math.multiplyExact(n, factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new TypeConversionException("'" + value + "' is not a size in bytes (e.g. 32768, 32k, 4m)");
        }
    }

    /** A migration policy spec of {@link org.mtcp.core.policy.Policies#parse}. */
    public static final class PolicyConverter implements ITypeConverter<Supplier<MigrationPolicy>> {
        @Override
        public Supplier<MigrationPolicy> convert(String value) {
            return PolicySpecs.parse(value);
        }
    }
}
