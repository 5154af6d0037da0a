package org.mtcp.core.internal.cert;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.mtcp.core.PoolConfig;

/**
 * The keys derived for one purpose (a {@link Hmac} label) from the pool's secrets: the signing
 * key, from the current secret, and the keys of the previous secrets still accepted until their
 * {@code until}. Everything is produced with the signing key and checked against all accepted
 * keys, so a pool can change its secret without a moment where two servers disagree.
 *
 * <p>{@link #update} swaps the whole ring at once (a reloaded pool file): a check sees either the
 * old ring or the new one, never a mix. Thread-safe.
 */
public final class KeyRing {

    /** One derived key; {@code until} is null for the signing (current) key. */
    private record Entry(byte[] raw, Hmac.Key mac, Instant until) {}

    private record State(Entry signing, List<Entry> previous) {}

    /** The outcome of {@link #check}. */
    public sealed interface Verdict {
        /** A key matched; {@code until} is null when it is the signing key. */
        record Accepted(byte[] key, Hmac.Key mac, Instant until) implements Verdict {
            public boolean current() {
                return until == null;
            }
        }

        /** No accepted key matched; {@code reason} says which case it is (for logs and RESETs). */
        record Refused(String reason) implements Verdict {}
    }

    private final String label;
    private final Clock clock;
    private volatile State state;

    /** The ring of {@code pool}'s secrets for {@code label}; {@code clock} decides what is past its {@code until}. */
    public KeyRing(PoolConfig pool, String label, Clock clock) {
        this.label = Objects.requireNonNull(label, "label");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.state = derive(pool);
    }

    /** A ring of one already-derived key and no previous one (tests, single-secret callers). */
    public static KeyRing single(byte[] derivedKey) {
        return new KeyRing(derivedKey);
    }

    private KeyRing(byte[] derivedKey) {
        this.label = null;
        this.clock = Clock.systemUTC();
        this.state = new State(new Entry(derivedKey.clone(), new Hmac.Key(derivedKey), null), List.of());
    }

    private State derive(PoolConfig pool) {
        byte[] current = Hmac.derive(pool.secret(), label);
        List<Entry> previous = new ArrayList<>();
        for (PoolConfig.PreviousSecret p : pool.previousSecrets()) {
            byte[] k = Hmac.derive(p.secret(), label);
            previous.add(new Entry(k, new Hmac.Key(k), p.until()));
        }
        return new State(new Entry(current, new Hmac.Key(current), null), List.copyOf(previous));
    }

    /** Takes {@code pool}'s secrets; returns whether the signing key changed. */
    public boolean update(PoolConfig pool) {
        if (label == null) {
            throw new IllegalStateException("a single-key ring cannot take a pool's secrets");
        }
        State next = derive(pool);
        boolean changed = !Hmac.equal(next.signing().raw(), state.signing().raw());
        state = next;
        return changed;
    }

    /** The key everything is produced with (the current secret's). */
    public byte[] signingKey() {
        return state.signing().raw().clone();
    }

    /** {@link #signingKey()}, ready for MACs. */
    public Hmac.Key signing() {
        return state.signing().mac();
    }

    /** How many secrets are accepted now (the current one and previous ones not past their {@code until}). */
    public int acceptedNow() {
        Instant now = clock.instant();
        return 1 + (int) state.previous().stream().filter(e -> now.isBefore(e.until())).count();
    }

    /**
     * The first accepted key (the signing key first) that {@code matches}; a previous key past
     * its {@code until} is refused with a reason saying since when, as is a MAC no key makes.
     */
    public Verdict check(Predicate<Hmac.Key> matches) {
        return find(e -> matches.test(e.mac()));
    }

    /**
     * As {@link #check}, for a use of the raw derived keys other than MACs (opening what was
     * sealed with one: {@link KeySeal}); {@code opens} must not keep the array it is given.
     */
    public Verdict checkRaw(Predicate<byte[]> opens) {
        return find(e -> opens.test(e.raw()));
    }

    private Verdict find(Predicate<Entry> matches) {
        State s = state;
        if (matches.test(s.signing())) {
            return new Verdict.Accepted(s.signing().raw(), s.signing().mac(), null);
        }
        Instant now = clock.instant();
        Entry expired = null;
        for (Entry e : s.previous()) {
            if (matches.test(e)) {
                if (now.isBefore(e.until())) {
                    return new Verdict.Accepted(e.raw(), e.mac(), e.until());
                }
                expired = e;
            }
        }
        if (expired != null) {
            return new Verdict.Refused("made with a previous pool secret accepted only until " + expired.until()
                    + " (" + Duration.between(expired.until(), now).toSeconds() + " s ago)");
        }
        return new Verdict.Refused("made with none of the pool's secrets (forged, or another pool's secret)");
    }
}
