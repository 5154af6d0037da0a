package org.mtcp.core.internal.stream;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The phase of a connection end, moving only along the transitions it was built with (as Jetty's
 * {@code AbstractEndPoint} does with its state): an illegal move is a bug and fails loudly
 * instead of leaving a combination of flags nobody planned for. Written under the owner's lock;
 * readable without it.
 *
 * @param <P> the phases
 */
public final class Lifecycle<P extends Enum<P>> {

    private final Map<P, Set<P>> transitions;
    private volatile P phase;

    private Lifecycle(P initial, Map<P, Set<P>> transitions) {
        this.phase = initial;
        this.transitions = transitions;
    }

    /** Starts building a lifecycle over {@code type}, initially in {@code initial}. */
    public static <P extends Enum<P>> Builder<P> of(Class<P> type, P initial) {
        return new Builder<>(type, initial);
    }

    public P phase() {
        return phase;
    }

    public boolean is(P p) {
        return phase == p;
    }

    public boolean in(Set<P> phases) {
        return phases.contains(phase);
    }

    /** Moves to {@code next}; fails when the transition is not one of the lifecycle's. */
    public void moveTo(P next) {
        if (!tryMoveTo(next)) {
            throw new IllegalStateException("illegal transition " + phase + " -> " + next);
        }
    }

    /** Moves to {@code next} if that is a transition from the current phase; says whether it did. */
    public boolean tryMoveTo(P next) {
        if (!transitions.get(phase).contains(next)) {
            return false;
        }
        phase = next;
        return true;
    }

    @Override
    public String toString() {
        return phase.toString();
    }

    /** The transitions, from each phase to the phases it may move to. */
    public static final class Builder<P extends Enum<P>> {
        private final Class<P> type;
        private final P initial;
        private final Map<P, Set<P>> transitions;

        private Builder(Class<P> type, P initial) {
            this.type = type;
            this.initial = initial;
            this.transitions = new EnumMap<>(type);
            for (P p : type.getEnumConstants()) {
                transitions.put(p, EnumSet.noneOf(type));
            }
        }

        @SafeVarargs
        public final Builder<P> from(P from, P... to) {
            for (P p : to) {
                transitions.get(from).add(p);
            }
            return this;
        }

        public Lifecycle<P> build() {
            Map<P, Set<P>> frozen = new EnumMap<>(type);
            transitions.forEach((k, v) -> frozen.put(k, EnumSet.copyOf(v.isEmpty() ? EnumSet.noneOf(type) : v)));
            return new Lifecycle<>(initial, frozen);
        }
    }
}
