package org.mtcp.core.policy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.mtcp.core.ValueSyntax;

/**
 * Factories of the ready-made policies and a parser for their textual specs (command lines,
 * configuration files):
 * <pre>
 * rate                                     inbound rate, the paper's settings
 * rate:alpha=0.125,drop=0.25,min-bytes=16k,sample=100ms,idle=1s
 * response-time:500ms                      no first response byte within 500 ms of a request; when
 *                                          an observer frames the responses (the proxy, for HTTP):
 *                                          no byte for 500 ms while a response is incomplete
 * silence:2s                               nothing at all from the holder for 2 s
 * rtt:200ms                                smoothed keepalive round trip above 200 ms
 * holder-failure                           reset, EOF without CLOSE, missed keepalives
 * </pre>
 * Durations take a unit: {@code us}, {@code ms}, {@code s}, {@code m}. Sizes may end in
 * {@code k} or {@code m} (binary). Factories, not instances: each connection needs its own.
 */
public final class Policies {
    private Policies() {}

    /** What {@link #parse} accepts, for error messages and help texts. */
    public static final String SPECS = "rate[:alpha=A,drop=D,min-bytes=N,sample=DURATION,idle=DURATION], "
            + "response-time:DURATION, silence:DURATION, rtt:DURATION, holder-failure";

    public static Supplier<MigrationPolicy> inboundRate() {
        return InboundRatePolicy::new;
    }

    public static Supplier<MigrationPolicy> inboundRate(double alpha, double drop, long minBytes,
            Duration sample, Duration idle) {
        new InboundRatePolicy(alpha, drop, minBytes, sample, idle); // validate now, not per connection
        return () -> new InboundRatePolicy(alpha, drop, minBytes, sample, idle);
    }

    public static Supplier<MigrationPolicy> responseTime(Duration threshold) {
        new ResponseTimePolicy(threshold);
        return () -> new ResponseTimePolicy(threshold);
    }

    public static Supplier<MigrationPolicy> silence(Duration threshold) {
        new SilencePolicy(threshold);
        return () -> new SilencePolicy(threshold);
    }

    public static Supplier<MigrationPolicy> rtt(Duration threshold) {
        new RttPolicy(threshold);
        return () -> new RttPolicy(threshold);
    }

    public static Supplier<MigrationPolicy> holderFailure() {
        return HolderFailurePolicy::new;
    }

    /**
     * Parses one spec (see the class comment). Throws {@link IllegalArgumentException} naming
     * what is wrong and listing the valid specs.
     */
    public static Supplier<MigrationPolicy> parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw bad("empty policy spec");
        }
        String s = spec.strip();
        int colon = s.indexOf(':');
        String kind = (colon < 0 ? s : s.substring(0, colon)).toLowerCase(Locale.ROOT);
        String args = colon < 0 ? null : s.substring(colon + 1).strip();
        try {
            return switch (kind) {
                case "rate" -> rate(args);
                case "response-time" -> responseTime(threshold(kind, args));
                case "silence" -> silence(threshold(kind, args));
                case "rtt" -> rtt(threshold(kind, args));
                case "holder-failure" -> {
                    if (args != null) {
                        throw bad("holder-failure takes no argument");
                    }
                    yield holderFailure();
                }
                default -> throw bad("unknown policy '" + kind + "'");
            };
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains("valid specs")) {
                throw e;
            }
            throw bad("policy '" + spec + "': " + e.getMessage());
        }
    }

    private static Supplier<MigrationPolicy> rate(String args) {
        double alpha = 0.125;
        double drop = 0.25;
        long minBytes = 16 * 1024;
        Duration sample = Duration.ofMillis(100);
        Duration idle = Duration.ofSeconds(1);
        if (args != null) {
            if (args.isEmpty()) {
                throw bad("rate: empty parameter list");
            }
            for (Map.Entry<String, String> e : keyValues(args).entrySet()) {
                String v = e.getValue();
                switch (e.getKey()) {
                    case "alpha" -> alpha = number("alpha", v);
                    case "drop" -> drop = number("drop", v);
                    case "min-bytes" -> minBytes = size("min-bytes", v);
                    case "sample" -> sample = duration("sample", v);
                    case "idle" -> idle = duration("idle", v);
                    default -> throw bad("rate: unknown parameter '" + e.getKey()
                            + "' (alpha, drop, min-bytes, sample, idle)");
                }
            }
        }
        return inboundRate(alpha, drop, minBytes, sample, idle);
    }

    private static Duration threshold(String kind, String args) {
        if (args == null || args.isEmpty()) {
            throw bad(kind + " needs a threshold, e.g. " + kind + ":500ms");
        }
        String v = args.startsWith("threshold=") ? args.substring("threshold=".length()) : args;
        return duration(kind, v);
    }

    private static Map<String, String> keyValues(String args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : args.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                throw bad("expected key=value, got '" + part.strip() + "'");
            }
            String key = part.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            if (out.put(key, part.substring(eq + 1).strip()) != null) {
                throw bad("parameter '" + key + "' given twice");
            }
        }
        return out;
    }

    private static double number(String name, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw bad(name + " is not a number: '" + v + "'");
        }
    }

    /** A byte size in {@link ValueSyntax}: {@code 16384}, {@code 16k}, {@code 1m}. */
    static long size(String name, String v) {
        try {
            return ValueSyntax.byteSize(v);
        } catch (IllegalArgumentException e) {
            throw bad(name + ": " + e.getMessage());
        }
    }

    /** A positive duration in {@link ValueSyntax}: {@code 250us}, {@code 500ms}, {@code 1.5s}, {@code 1m}. */
    static Duration duration(String name, String v) {
        Duration d;
        try {
            d = ValueSyntax.duration(v);
        } catch (IllegalArgumentException e) {
            throw bad(name + ": " + e.getMessage());
        }
        if (d.isZero()) {
            throw bad(name + " must be positive: '" + v + "'");
        }
        return d;
    }

    private static IllegalArgumentException bad(String what) {
        return new IllegalArgumentException(what + "; valid specs: " + SPECS);
    }
}
