package org.mtcp.core;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * What one client of a pool (a proxy, an application opening many connections) remembers about
 * servers that recently could not take a new connection: they refused it with RESET
 * {@code shutdown} (draining) or could not be reached. For {@link #avoidFor()} after that, such a
 * server is tried last by {@link MtcpSocket#connect(List, ClientOptions, UnavailableServers)}, so
 * new connections go straight to the others instead of each paying an attempt at a server that
 * is going away. It is only an order: when every other server fails too, the avoided ones are
 * still tried; once the time has passed a server is tried in its pool place again.
 *
 * <p>Memory is bounded: at most {@link #capacity()} servers are remembered (the oldest mark is
 * dropped first), and marks expire. Thread-safe.
 */
public final class UnavailableServers {

    /** Why a server is avoided. */
    public enum Why {
        /** It refused a connection with RESET {@code shutdown}: draining. */
        DRAINING(true),
        /** It could not be reached (connection refused, reset, unknown host). */
        UNREACHABLE(true),
        /** It did not complete the handshake within the connect timeout (hung, or a black hole). */
        TIMED_OUT(true),
        /** It failed while holding a connection (reset, EOF without CLOSE, missed keepalives). */
        FAILED(true),
        /** A migration policy moved a connection away from it (too slow for that connection). */
        LEFT_BY_POLICY(false);

        private final boolean clearedByHandshake;

        Why(boolean clearedByHandshake) {
            this.clearedByHandshake = clearedByHandshake;
        }

        /** Whether a server that answers a handshake again is in its pool place at once. */
        public boolean clearedByHandshake() {
            return clearedByHandshake;
        }
    }

    /** A mark: why and when (nanoTime). */
    private record Mark(Why why, long at) {}

    /** How long a server that refused or failed is tried last, unless configured otherwise. */
    public static final Duration DEFAULT_AVOID_FOR = Duration.ofSeconds(30);

    /** Most servers remembered, unless configured otherwise (a pool has at most 256 members). */
    public static final int DEFAULT_CAPACITY = 256;

    private final Duration avoidFor;
    private final long avoidForNanos;
    private final int capacity;
    private final LongSupplier nanoClock;
    /** Address (host string and port) to its mark, oldest mark first. Guarded by this. */
    private final LinkedHashMap<InetSocketAddress, Mark> markedAt = new LinkedHashMap<>();

    public UnavailableServers(Duration avoidFor) {
        this(avoidFor, DEFAULT_CAPACITY, System::nanoTime);
    }

    /** @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime}; tests pass their own) */
    public UnavailableServers(Duration avoidFor, int capacity, LongSupplier nanoClock) {
        Objects.requireNonNull(avoidFor, "avoidFor");
        if (avoidFor.isNegative()) {
            throw new IllegalArgumentException("avoidFor must not be negative: " + avoidFor);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.avoidFor = avoidFor;
        this.avoidForNanos = avoidFor.toNanos();
        this.capacity = capacity;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    public Duration avoidFor() {
        return avoidFor;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * {@code addresses} in the order to try them for a new connection: those not avoided in their
     * given order, then the avoided ones, the longest-avoided first (the likeliest to be back).
     */
    public List<InetSocketAddress> order(List<InetSocketAddress> addresses) {
        return order(addresses, a -> a);
    }

    /**
     * {@code items} (servers known by name, say) in the order to try them, by the address
     * {@code address} gives each: as {@link #order(List)}.
     */
    public synchronized <T> List<T> order(List<T> items, Function<T, InetSocketAddress> address) {
        expire();
        List<T> first = new ArrayList<>(items.size());
        List<T> last = new ArrayList<>();
        for (T item : items) {
            (markedAt.containsKey(key(address.apply(item))) ? last : first).add(item);
        }
        last.sort((x, y) -> Long.compare(markedAt.get(key(address.apply(x))).at()
                - markedAt.get(key(address.apply(y))).at(), 0));
        first.addAll(last);
        return first;
    }

    /** Whether every one of {@code addresses} is avoided now (true for none). */
    public synchronized boolean allAvoided(List<InetSocketAddress> addresses) {
        expire();
        return addresses.stream().allMatch(a -> markedAt.containsKey(key(a)));
    }

    /** {@code address} could not be reached: try it last for a while ({@link Why#UNREACHABLE}). */
    public void markUnavailable(InetSocketAddress address) {
        markUnavailable(address, Why.UNREACHABLE);
    }

    /** {@code address} was found bad for reason {@code why}: try it last for {@link #avoidFor()}. */
    public synchronized void markUnavailable(InetSocketAddress address, Why why) {
        Objects.requireNonNull(why, "why");
        InetSocketAddress k = key(address);
        markedAt.remove(k); // re-marking moves it to the end: the newest mark
        markedAt.put(k, new Mark(why, nanoClock.getAsLong()));
        while (markedAt.size() > capacity) {
            Iterator<InetSocketAddress> oldest = markedAt.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /**
     * {@code address} took a connection (answered a handshake): it is in its pool place again,
     * unless a policy left it ({@link Why#clearedByHandshake()}).
     */
    public synchronized void markAvailable(InetSocketAddress address) {
        InetSocketAddress k = key(address);
        Mark m = markedAt.get(k);
        if (m != null && m.why().clearedByHandshake()) {
            markedAt.remove(k);
        }
    }

    /** Why {@code address} is avoided now, if it is. */
    public synchronized Optional<Why> why(InetSocketAddress address) {
        expire();
        Mark m = markedAt.get(key(address));
        return m == null ? Optional.empty() : Optional.of(m.why());
    }

    /** Whether {@code address} is tried last now. */
    public synchronized boolean isAvoided(InetSocketAddress address) {
        expire();
        return markedAt.containsKey(key(address));
    }

    /** Servers avoided now. */
    public synchronized int size() {
        expire();
        return markedAt.size();
    }

    private void expire() {
        long now = nanoClock.getAsLong();
        Iterator<Map.Entry<InetSocketAddress, Mark>> it = markedAt.entrySet().iterator();
        // Oldest first: stop at the first mark still in force.
        while (it.hasNext()) {
            if (now - it.next().getValue().at() < avoidForNanos) {
                return;
            }
            it.remove();
        }
    }

    /** The same server whether its address was given resolved or not. */
    private static InetSocketAddress key(InetSocketAddress a) {
        return InetSocketAddress.createUnresolved(a.getHostString(), a.getPort());
    }

    @Override
    public synchronized String toString() {
        StringBuilder b = new StringBuilder("UnavailableServers[");
        markedAt.forEach((a, m) -> b.append(b.charAt(b.length() - 1) == '[' ? "" : ", ")
                .append(ValueSyntax.format(a)).append(' ').append(m.why()));
        return b.append(']').toString();
    }
}
