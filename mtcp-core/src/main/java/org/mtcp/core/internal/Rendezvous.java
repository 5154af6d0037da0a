package org.mtcp.core.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.mtcp.core.ConnectionId;

/**
 * The replica ranking of replicated state transfer (docs/protocol.md, section 10): rendezvous
 * (highest random weight) hashing of a connection id over server names. The holder pushes to the
 * first reachable ones; a client whose holder failed tries them first. Both compute it from the
 * names alone, so they agree without talking; a pool change moves only the connections whose
 * top-ranked servers joined or left.
 */
public final class Rendezvous {
    private Rendezvous() {}

    /** {@code names} ordered by their weight for {@code id}, highest first (ties by name). */
    public static List<String> rank(ConnectionId id, Collection<String> names) {
        List<String> ranked = new ArrayList<>(names);
        ranked.sort(Comparator.comparingLong((String n) -> weight(id, n)).reversed()
                .thenComparing(Comparator.naturalOrder()));
        return ranked;
    }

    /** A 64-bit mix of the id and the name (SplitMix64 finalizer over FNV-1a of the name). */
    static long weight(ConnectionId id, String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return mix(mix(h ^ id.high()) ^ id.low());
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
