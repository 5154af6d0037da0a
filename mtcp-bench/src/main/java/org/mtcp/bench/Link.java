package org.mtcp.bench;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a bench's links run over ({@code --links plain,tls}): plain TCP, or TLS 1.3 over TCP with a
 * throwaway CA made in this JVM (the test kit's {@code TestPki}). With both, the run alternates
 * between them as it alternates state transfer strategies, and reports the ratios within the run.
 */
public enum Link {
    PLAIN, TLS;

    public static final String HELP = "Comma-separated list of plain and tls; with both, the run alternates between "
            + "them and reports TLS against plaintext within the run";

    /** {@code plain} or {@code tls}, as the option and the CSVs spell it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Link parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "plain", "plaintext" -> PLAIN;
            case "tls" -> TLS;
            default -> throw new IllegalArgumentException("unknown link '" + s + "' (plain or tls)");
        };
    }

    /** Refuses an empty list and a link given twice. */
    public static List<Link> requireDistinct(List<Link> all) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no link given (plain or tls)");
        }
        Set<Link> seen = EnumSet.noneOf(Link.class);
        for (Link l : all) {
            if (!seen.add(l)) {
                throw new IllegalArgumentException("link " + l.label() + " given twice");
            }
        }
        return List.copyOf(all);
    }
}
