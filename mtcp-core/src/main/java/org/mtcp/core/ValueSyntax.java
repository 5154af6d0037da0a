package org.mtcp.core;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How durations, byte sizes and addresses are written wherever this project reads them: command
 * options of every {@code ./mtcp} command, policy specs ({@code response-time:500ms}) and pool
 * files. One syntax, one parser; each caller adds its own context (an option name, a file line)
 * to the {@link IllegalArgumentException}'s message.
 */
public final class ValueSyntax {

    private ValueSyntax() {}

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)");

    /**
     * A duration with a unit: {@code 250ns}, {@code 500us}, {@code 2ms}, {@code 1.5s}, {@code 1m},
     * {@code 1h}; or a bare {@code 0}. Never negative.
     */
    public static Duration duration(String text) {
        String v = text.strip().toLowerCase(Locale.ROOT);
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            String why = v.matches("\\d+(\\.\\d+)?") ? "' needs a unit" : "' is not a duration";
            throw new IllegalArgumentException("'" + text + why + " (e.g. 500us, 2ms, 1.5s, 1m)");
        }
        long nanosPerUnit = switch (m.group(2)) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        try {
            BigDecimal nanos = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit));
            return Duration.ofNanos(nanos.setScale(0, RoundingMode.HALF_UP).longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration '" + text + "' is too long");
        }
    }

    /** The shortest exact form {@link #duration} reads back: {@code 0}, {@code 2s}, {@code 500us}. */
    public static String format(Duration d) {
        long ns = d.toNanos();
        if (ns == 0) {
            return "0";
        }
        if (ns % 1_000_000_000L == 0) {
            return ns / 1_000_000_000L + "s";
        }
        if (ns % 1_000_000L == 0) {
            return ns / 1_000_000L + "ms";
        }
        if (ns % 1000 == 0) {
            return ns / 1000 + "us";
        }
        return ns + "ns";
    }

    private static final String[][] SIZE_SUFFIXES = {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"},
            {"kb", "1024"}, {"mb", "1048576"}, {"gb", "1073741824"},
            {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}, {"b", "1"}};

    /** A byte count: {@code 32768}, {@code 32k}, {@code 32KiB}, {@code 4m}, {@code 1g} (powers of 1024). */
    public static long byteSize(String text) {
        String v = text.strip().toLowerCase(Locale.ROOT);
        long factor = 1;
        for (String[] s : SIZE_SUFFIXES) {
            if (v.endsWith(s[0])) {
                factor = Long.parseLong(s[1]);
                v = v.substring(0, v.length() - s[0].length());
                break;
            }
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new IllegalArgumentException("negative size '" + text + "'");
            }
            return Math.multiplyExact(n, factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size in bytes (e.g. 32768, 32k, 4m)");
        }
    }

    /** The shortest exact form with a binary unit: {@code 16K}, {@code 4M}, {@code 100B}. */
    public static String formatByteSize(long bytes) {
        if (bytes >= 1 << 30 && bytes % (1 << 30) == 0) {
            return bytes / (1 << 30) + "G";
        }
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
            return bytes / (1 << 20) + "M";
        }
        if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
            return bytes / (1 << 10) + "K";
        }
        return bytes + "B";
    }

    /**
     * {@code HOST:PORT} or {@code [IPv6]:PORT}, unresolved; with a {@code defaultHost}, a bare
     * {@code PORT} too (meaning that host). Port 0 means any free port where that makes sense.
     */
    public static InetSocketAddress hostPort(String text, String defaultHost) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [IPv6]:PORT");
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                if (defaultHost == null) {
                    throw new IllegalArgumentException("'" + text + "' is not HOST:PORT");
                }
                host = defaultHost;
                port = text;
            } else {
                if (text.indexOf(':') != colon) {
                    throw new IllegalArgumentException("'" + text + "': write an IPv6 address as [ADDRESS]:PORT");
                }
                host = text.substring(0, colon);
                port = text.substring(colon + 1);
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (bad port '" + port + "')");
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range 0-65535 in '" + text + "'");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' has no host");
        }
        return InetSocketAddress.createUnresolved(host, p);
    }

    /** {@code address} with its host looked up now, so that an unknown host is a clear error at once. */
    public static InetSocketAddress resolved(InetSocketAddress address) {
        try {
            return new InetSocketAddress(InetAddress.getByName(address.getHostString()), address.getPort());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host '" + address.getHostString() + "'");
        }
    }

    /**
     * {@code host:port} or {@code [v6]:port}, as {@link #hostPort} reads it: the address as written
     * when unresolved (not Java's {@code host/<unresolved>:port}), the IP when resolved.
     */
    public static String format(InetSocketAddress address) {
        String host = address.isUnresolved() || address.getAddress() == null
                ? address.getHostString() : address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
