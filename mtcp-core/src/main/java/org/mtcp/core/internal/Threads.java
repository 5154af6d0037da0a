package org.mtcp.core.internal;

import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Thread creation in one place: every transport thread is a named virtual thread, except, on
 * request, the two I/O threads of each link ({@link #startLinkIo}).
 */
public final class Threads {

    /**
     * The system property that chooses the kind of a link's reader and sender threads: {@code
     * virtual} (the default) or {@code platform}.
     */
    public static final String LINK_THREADS_PROPERTY = "mtcp.linkThreads";

    /** The kinds of thread a link's I/O may run on. */
    public enum Kind {
        /**
         * Cheap to keep: what 10,000 idle connections need. A socket read or write that cannot
         * complete at once parks the thread through the JDK's poller (an extra system call or
         * two, a wake-up on a carrier).
         */
        VIRTUAL,
        /**
         * A blocking system call per read or write: less CPU per byte for a few busy bulk
         * streams (measured in docs/benchmarks.md), but a kernel thread and its stack per
         * reader and per sender, so not for many connections.
         */
        PLATFORM
    }

    private static final Kind LINK_THREADS = linkThreadsOrDefault(System.getProperty(LINK_THREADS_PROPERTY));

    private Threads() {}

    public static Thread start(String name, Runnable task) {
        return Thread.ofVirtual().name(name).start(task);
    }

    /** A link's reader or sender: virtual unless {@value #LINK_THREADS_PROPERTY} asks for platform. */
    public static Thread startLinkIo(String name, Runnable task) {
        return switch (LINK_THREADS) {
            case VIRTUAL -> start(name, task);
            case PLATFORM -> Thread.ofPlatform().daemon().name(name).start(task);
        };
    }

    /** The kind of thread links use: {@code value} of the property, null for the default. */
    static Kind linkThreads(String value) {
        if (value == null || value.isBlank()) {
            return Kind.VIRTUAL;
        }
        try {
            return Kind.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(LINK_THREADS_PROPERTY + " must be virtual or platform, not '"
                    + value + "'", e);
        }
    }

    private static Kind linkThreadsOrDefault(String value) {
        try {
            return linkThreads(value);
        } catch (IllegalArgumentException e) {
            // A typo in a tuning property must not stop every connection: say so, keep the default.
            LoggerFactory.getLogger(Threads.class).warn("{}; using virtual threads", e.getMessage());
            return Kind.VIRTUAL;
        }
    }

    /** The kind of thread links use in this JVM. */
    public static Kind linkThreads() {
        return LINK_THREADS;
    }
}
