package org.mtcp.core;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The server end of one logical connection, as held by this server at one epoch.
 *
 * <p>Contract (docs/protocol.md, section 5): reads first replay the inbound log (bytes the application consumed
 * after the last snapshot on the previous holder), then return new bytes. Writes after an import
 * must regenerate exactly the bytes the previous holder wrote after its snapshot; a mismatch
 * resets the connection with a "non-deterministic replay" error ({@link ConnectionResetException}).
 * Once the connection has moved away, every operation throws {@link MigratedException} (a read
 * or write blocked at that moment too), except {@link #close()}, which is then a quiet no-op so
 * the old server's thread simply ends.
 *
 * <p>The streams behave like a socket's: reads block until bytes arrive or the client's stream
 * ends ({@code -1}); writes block while {@link ServerOptions#maxRetainedBytes()} are
 * unacknowledged (back-pressure); closing either stream closes the connection. Snapshots larger
 * than {@link ServerOptions#maxSnapshotSize()} are refused with a {@link LimitExceededException};
 * so is a read when the inbound log since the last snapshot is full (export to trim it). The
 * full protocol is in {@code docs/protocol.md}.
 */
public interface MtcpServerConnection extends Closeable {

    ConnectionId id();

    /** The epoch this server holds: 0 for a new connection, +1 at every migration. */
    long epoch();

    /** True when this connection was taken over from another server. */
    boolean migrated();

    /** The last snapshot exported by the previous holder; an empty array for a new connection. */
    byte[] importState() throws IOException;

    /**
     * Records {@code snapshot} as the application state at the current read and write positions,
     * and trims the inbound log. Throws {@link MigratedException} once the connection has moved.
     */
    void exportState(byte[] snapshot) throws IOException;

    InputStream getInputStream() throws IOException;

    OutputStream getOutputStream() throws IOException;

    /**
     * Bytes a write to {@link #getOutputStream()} can take now without blocking (back-pressure);
     * only writes make it smaller. An application thread that must never wait for a slow client
     * writes no more than this. Implementations that cannot tell report 0.
     */
    default int writableWithoutBlocking() {
        return 0;
    }

    /**
     * Whether the client can be reached now. An application that would start work whose result
     * only the client can use (a database transaction for a batch) checks this first: an orphan's
     * client may never come back. Implementations that cannot tell report {@link ClientPresence#LINKED}.
     */
    default ClientPresence clientPresence() {
        return ClientPresence.LINKED;
    }

    /**
     * Waits while the connection is an {@link ClientPresence#ORPHANED orphan}, at most
     * {@code timeout}: returns {@link ClientPresence#LINKED} as soon as the client is back, or
     * {@link ClientPresence#GONE} as soon as it never will be here (closed, moved away, reset), or
     * {@code ORPHANED} when the time is up.
     */
    default ClientPresence awaitClient(java.time.Duration timeout) throws IOException {
        return clientPresence();
    }

    /**
     * How many bytes the previous holder wrote after its last snapshot that this server's
     * application has not regenerated yet: 0 on a new connection and once it has caught up. An
     * application that cannot regenerate them (the data it needs is out of reach) must not write
     * different bytes, which the client may already have: it {@link #reset}s the connection.
     */
    default long bytesToRegenerate() {
        return 0;
    }

    /**
     * Ends the connection at once: the client's next read fails with a reset carrying {@code why}
     * (the application cannot complete what it was sending). A no-op on a connection that moved
     * away or was reset already.
     */
    default void reset(String why) throws IOException {
        close();
    }

    /**
     * Asks the client to move to another server of the pool (load shedding, draining before a
     * deploy); {@code target} may be null to let the client choose.
     */
    void requestMigration(String target) throws IOException;

    /**
     * Graceful end of the connection: the client sees end-of-stream after the last byte. Does not
     * block; the transport delivers the unacknowledged tail (across migrations too). A no-op on a
     * connection that has moved away or was reset.
     */
    @Override
    void close() throws IOException;
}
