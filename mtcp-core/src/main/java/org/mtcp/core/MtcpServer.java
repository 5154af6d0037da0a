package org.mtcp.core;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One server of a pool: listens on its service address for clients (new connections and
 * migrating ones) and on its control address for the other servers (state transfer).
 *
 * <p>{@link #accept()} returns both new and migrated connections, so the same application code
 * runs on every server (paper section 3.1.2): it calls {@link MtcpServerConnection#importState()}
 * and resumes from the snapshot, which is empty for a new connection.
 */
public final class MtcpServer implements Closeable {

    /** Starts the pool member {@code name}: binds its service and control addresses. */
    public static MtcpServer start(PoolConfig pool, String name, ServerOptions options)
            throws IOException {
        throw new UnsupportedOperationException("TODO");
    }

    public static MtcpServer start(PoolConfig pool, String name) throws IOException {
        return start(pool, name, ServerOptions.defaults());
    }

    /** Blocks until a new or migrated connection is ready; throws once the server is closed. */
    public MtcpServerConnection accept() throws IOException {
        throw new UnsupportedOperationException("TODO");
    }

    /** As {@link #accept()}, but returns null after {@code timeout}. */
    public MtcpServerConnection accept(Duration timeout) throws IOException {
        throw new UnsupportedOperationException("TODO");
    }

    public String name() {
        throw new UnsupportedOperationException("TODO");
    }

    /** The bound service address (the real port when the pool file said port 0). */
    public InetSocketAddress serviceAddress() {
        throw new UnsupportedOperationException("TODO");
    }

    public InetSocketAddress controlAddress() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Counters for metrics and tests. */
    public ServerStats stats() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Stops listening and drops every connection it holds (as a crash would, without CLOSE). */
    @Override
    public void close() {
        throw new UnsupportedOperationException("TODO");
    }
}
