package org.mtcp.bench;

import java.time.Duration;
import java.util.Locale;

/** Durations as the command line writes them: {@code 500us}, {@code 2ms}, {@code 1.5s}, {@code 1m}, or {@code 0}. */
public final class Durations {
    private Durations() {}

    public static Duration parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        String[][] units = {{"us", "1000"}, {"ms", "1000000"}, {"s", "1000000000"}, {"m", "60000000000"}};
        for (String[] u : units) {
            if (t.endsWith(u[0])) {
                String num = t.substring(0, t.length() - u[0].length());
                try {
                    double d = Double.parseDouble(num);
                    if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
                        break;
                    }
                    return Duration.ofNanos(Math.round(d * Long.parseLong(u[1])));
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        throw new IllegalArgumentException("not a duration: '" + text + "' (a unit is required: 500us, 2ms, 1.5s, 1m; or 0)");
    }

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
}
