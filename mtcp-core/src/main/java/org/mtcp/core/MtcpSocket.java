package org.mtcp.core;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The client end of a logical connection to a pool: a socket-like object whose streams never
 * see a migration. Bytes are delivered exactly once and in order in both directions, whatever
 * number of migrations happen and wherever they fall in the stream.
 *
 * <p>Migrations happen on {@link #migrate()}, when a {@link org.mtcp.core.policy.MigrationPolicy}
 * of the {@link ClientOptions} triggers, when the holder asks (server-initiated migration) or
 * when the holder fails.
 */
public final class MtcpSocket implements Closeable {

    /**
     * Connects to the first reachable address of {@code pool}; the full peer list then comes from
     * the server.
     */
    public static MtcpSocket connect(List<InetSocketAddress> pool, ClientOptions options)
            throws IOException {
        throw new UnsupportedOperationException("TODO");
    }

    public ConnectionId id() {
        throw new UnsupportedOperationException("TODO");
    }

    public InputStream getInputStream() {
        throw new UnsupportedOperationException("TODO");
    }

    public OutputStream getOutputStream() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Half-close: the server reads end-of-stream after the last byte written. */
    public void shutdownOutput() throws IOException {
        throw new UnsupportedOperationException("TODO");
    }

    /** Moves the connection to another server of the pool (the client picks it). */
    public MigrationEvent migrate() throws IOException {
        throw new UnsupportedOperationException("TODO");
    }

    /** Moves the connection to the named server. */
    public MigrationEvent migrate(String target) throws IOException {
        throw new UnsupportedOperationException("TODO");
    }

    /** Name of the server that holds the connection now. */
    public String currentServer() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Names of every server that held the connection, in order of first use. */
    public Set<String> serversUsed() {
        throw new UnsupportedOperationException("TODO");
    }

    public int migrations() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Smoothed round-trip time from keepalives, or null before the first sample. */
    public Duration rtt() {
        throw new UnsupportedOperationException("TODO");
    }

    public void addMigrationListener(MigrationListener listener) {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public void close() throws IOException {
        throw new UnsupportedOperationException("TODO");
    }
}
