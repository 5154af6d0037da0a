package org.mtcp.core;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

    /** How long a server that refused or failed is tried last, unless configured otherwise. */
    public static final Duration DEFAULT_AVOID_FOR = Duration.ofSeconds(30);

    /** Most servers remembered, unless configured otherwise (a pool has at most 256 members). */
    public static final int DEFAULT_CAPACITY = 256;

    private final Duration avoidFor;
    private final long avoidForNanos;
    private final int capacity;
    private final LongSupplier nanoClock;
    /** Address (host string and port) to the time it was marked, oldest mark first. Guarded by this. */
    private final LinkedHashMap<InetSocketAddress, Long> markedAt = new LinkedHashMap<>();

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
    public synchronized List<InetSocketAddress> order(List<InetSocketAddress> addresses) {
        expire();
        List<InetSocketAddress> first = new ArrayList<>(addresses.size());
        List<InetSocketAddress> last = new ArrayList<>();
        for (InetSocketAddress a : addresses) {
            (markedAt.containsKey(key(a)) ? last : first).add(a);
        }
        last.sort((x, y) -> Long.compare(markedAt.get(key(x)) - markedAt.get(key(y)), 0));
        first.addAll(last);
        return first;
    }

    /** {@code address} refused with {@code shutdown} or could not be reached: try it last for a while. */
    public synchronized void markUnavailable(InetSocketAddress address) {
        InetSocketAddress k = key(address);
        markedAt.remove(k); // re-marking moves it to the end: the newest mark
        markedAt.put(k, nanoClock.getAsLong());
        while (markedAt.size() > capacity) {
            Iterator<InetSocketAddress> oldest = markedAt.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** {@code address} took a connection: it is in its pool place again. */
    public synchronized void markAvailable(InetSocketAddress address) {
        markedAt.remove(key(address));
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
        Iterator<Map.Entry<InetSocketAddress, Long>> it = markedAt.entrySet().iterator();
        // Oldest first: stop at the first mark still in force.
        while (it.hasNext()) {
            if (now - it.next().getValue() < avoidForNanos) {
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
        return "UnavailableServers" + markedAt.keySet();
    }
}
