package org.mtcp.core.policy;

import java.util.Optional;

/**
 * Decides, from what a client observes on its connection, when to migrate (paper 3.4). One
 * instance per connection; methods are called from the connection's threads, so
 * implementations synchronize their own state.
 */
public interface MigrationPolicy {

    /** A short name for logs and events, e.g. {@code rate}. */
    String name();

    /** {@code bytes} of payload arrived from the holder at {@code nanoTime}. */
    default void onBytesReceived(int bytes, long nanoTime) {}

    /** The client wrote {@code bytes} of request at {@code nanoTime}. */
    default void onBytesSent(int bytes, long nanoTime) {}

    /** A keepalive round trip completed. */
    default void onRoundTrip(long rttNanos, long nanoTime) {}

    /** The connection now has a new holder; per-server state starts afresh. */
    default void onNewHolder(String server, long nanoTime) {}

    /**
     * Called on every event and periodically (at least every keepalive interval). Returns the
     * reason to migrate now, or empty.
     */
    Optional<String> evaluate(long nanoTime);
}
