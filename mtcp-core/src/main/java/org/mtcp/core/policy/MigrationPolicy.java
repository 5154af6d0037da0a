package org.mtcp.core.policy;

import java.util.Optional;

/**
 * Decides, from what a client observes on its connection, when to migrate (paper 3.4). One
 * instance per connection; methods are called from the connection's threads, so
 * implementations synchronize their own state. Times are {@link System#nanoTime()} values (tests
 * pass synthetic ones). Implementations must be quick and must not block.
 *
 * <p>Ready-made policies and a parser for their textual specs are in {@link Policies}.
 */
public interface MigrationPolicy {

    /** A short name for logs and events, e.g. {@code rate}. */
    String name();

    /** {@code bytes} of new payload arrived from the holder at {@code nanoTime} (duplicates are not counted). */
    default void onBytesReceived(int bytes, long nanoTime) {}

    /** The client wrote {@code bytes} of request at {@code nanoTime}. */
    default void onBytesSent(int bytes, long nanoTime) {}

    /** A keepalive round trip completed. */
    default void onRoundTrip(long rttNanos, long nanoTime) {}

    /** The connection now has a new holder; per-server state starts afresh. */
    default void onNewHolder(String server, long nanoTime) {}

    /** Any frame (data, acknowledgement, keepalive answer) arrived from the holder. */
    default void onHolderHeard(long nanoTime) {}

    /**
     * The link to the holder failed: {@code cause} is e.g. {@code connection reset},
     * {@code EOF without CLOSE}, {@code missed 4 keepalives}. Unless some policy then asks to
     * migrate, the connection fails.
     */
    default void onHolderFailure(String cause, long nanoTime) {}

    /**
     * An observer that understands the application protocol (the proxy following HTTP) reports on
     * the responses: see {@link ResponseSignal}. Never called by the transport itself.
     */
    default void onResponseSignal(ResponseSignal signal, long nanoTime) {}

    /**
     * True if the policy needs to hear from the holder at every keepalive interval even while the
     * connection is idle (it judges silence): the client then does not back its keepalives off.
     * False by default: policies are evaluated periodically only while a connection is active.
     */
    default boolean needsKeepalivesWhileIdle() {
        return false;
    }

    /**
     * Called on every event and periodically (at least every keepalive interval). Returns the
     * reason to migrate now, or empty. The reason should start with the policy's name.
     */
    Optional<String> evaluate(long nanoTime);
}
