package org.mtcp.bench;

import java.util.Locale;

/** Sizes as the command line writes them: {@code 32768}, {@code 32k}, {@code 4m}, {@code 1g} (powers of 1024). */
public final class Sizes {
    private Sizes() {}

    public static long parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        long factor = 1;
        if (t.endsWith("b")) {
            t = t.substring(0, t.length() - 1);
        }
        if (t.endsWith("k")) {
            factor = 1L << 10;
        } else if (t.endsWith("m")) {
            factor = 1L << 20;
        } else if (t.endsWith("g")) {
            factor = 1L << 30;
        }
        if (factor != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t);
            if (n < 0) {
                throw new IllegalArgumentException("negative size: '" + text + "'");
            }
            return Math.multiplyExact(n, factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (e.g. 1024, 16k, 4m, 1g)");
        }
    }

    public static String format(long bytes) {
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
}
