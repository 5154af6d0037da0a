package org.mtcp.bench;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mtcp.core.transfer.StateTransfer;

/**
 * The state transfer strategies a bench command compares in one run ({@code --state-transfer
 * lazy,replicated}): each spelled as {@link StateTransfer#parse} reads it, phases alternating
 * between them as the commands already alternate M-TCP and plain TCP.
 */
public final class Strategies {

    private Strategies() {}

    /** The help text's list of spellings. */
    public static final String HELP = "Comma-separated list of " + StateTransfer.SPECS
            + "; with two or more, the run alternates between them and reports the ratios within the run";

    /** Refuses an empty list and a strategy given twice ({@code lazy,lazy}). */
    public static List<StateTransfer> requireDistinct(List<StateTransfer> all) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no state transfer strategy given (" + StateTransfer.SPECS + ")");
        }
        Set<String> names = new HashSet<>();
        for (StateTransfer t : all) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("state transfer " + t.name() + " given twice");
            }
        }
        return List.copyOf(all);
    }

    /** The smallest pool (at least {@code atLeast}) every strategy in {@code all} accepts. */
    public static int poolSize(List<StateTransfer> all, int atLeast) {
        for (int n = Math.max(1, atLeast); n < 64; n++) {
            if (accepts(all, n)) {
                return n;
            }
        }
        throw new IllegalArgumentException("no pool below 64 servers fits " + names(all));
    }

    /** Checks that every strategy works with a pool of {@code members} servers (their own message otherwise). */
    public static void checkPoolSize(List<StateTransfer> all, int members) {
        for (StateTransfer t : all) {
            t.checkPoolSize(members);
        }
    }

    private static boolean accepts(List<StateTransfer> all, int n) {
        try {
            checkPoolSize(all, n);
            return true;
        } catch (IllegalArgumentException e) {
            return false; // too small for one of them: try a larger pool
        }
    }

    /** {@code lazy, replicated(1)}: for the output's header line. */
    public static String names(List<StateTransfer> all) {
        return String.join(", ", all.stream().map(StateTransfer::name).toList());
    }

    /** The first strategy: the one the others' ratios are taken against. */
    public static StateTransfer reference(List<StateTransfer> all) {
        return all.get(0);
    }
}
