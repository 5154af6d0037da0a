package org.mtcp.core;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.mtcp.core.internal.client.ClientConnection;
import org.mtcp.core.internal.client.ClientConnector;

/**
 * The client end of a logical connection to a pool: a socket-like object whose streams never
 * see a migration. Bytes are delivered exactly once and in order in both directions, whatever
 * number of migrations happen and wherever they fall in the stream.
 *
 * <p>Migrations happen on {@link #migrate()}, when a {@link org.mtcp.core.policy.MigrationPolicy}
 * of the {@link ClientOptions} triggers, when the holder asks (server-initiated migration) or
 * when the holder fails ({@link ClientOptions#failover()}, on by default). The application may
 * keep reading and writing while a migration is in progress: the old server keeps serving until
 * the new one has answered.
 *
 * <p>Reads block until bytes arrive, the holder's stream ends ({@code -1}) or the connection
 * fails (an {@link IOException} saying why, e.g. the holder died and no server could take over).
 * Writes block while {@link ClientOptions#maxUnacknowledgedBytes()} are unacknowledged.
 * Streams are thread-safe; one reader and one writer thread is the usual pattern.
 */
public final class MtcpSocket implements Closeable {

    private final ClientConnection connection;

    private MtcpSocket(ClientConnection connection) {
        this.connection = connection;
    }

    /**
     * Connects to the first reachable address of {@code pool}; the full peer list then comes from
     * the server.
     */
    public static MtcpSocket connect(List<InetSocketAddress> pool, ClientOptions options)
            throws IOException {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(options, "options");
        return new MtcpSocket(ClientConnector.connect(pool, options));
    }

    /**
     * Connects like {@link #connect(List, ClientOptions)}, but tries the servers {@code
     * unavailable} remembers as draining or unreachable last, and records in it the servers that
     * refuse with {@code shutdown} or cannot be reached now: share one instance among the
     * connections a proxy or an application opens to the same pool.
     */
    public static MtcpSocket connect(List<InetSocketAddress> pool, ClientOptions options,
            UnavailableServers unavailable) throws IOException {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(unavailable, "unavailable");
        return new MtcpSocket(ClientConnector.connect(pool, options, unavailable));
    }

    public static MtcpSocket connect(List<InetSocketAddress> pool) throws IOException {
        return connect(pool, ClientOptions.defaults());
    }

    public ConnectionId id() {
        return connection.id();
    }

    public InputStream getInputStream() {
        return connection.getInputStream();
    }

    public OutputStream getOutputStream() {
        return connection.getOutputStream();
    }

    /** Half-close: the server reads end-of-stream after the last byte written. */
    public void shutdownOutput() throws IOException {
        connection.shutdownOutput();
    }

    /**
     * Moves the connection to another server of the pool (the client picks the next one in pool
     * order; if it refuses, the others). Returns the event; {@link MigrationEvent#succeeded()}
     * is false, with the servers' answers in {@link MigrationEvent#error()}, when none could take
     * the connection: it then stays where it was. Throws when the connection itself has failed
     * or is closed.
     */
    public MigrationEvent migrate() throws IOException {
        return connection.migrate(null, "explicit", false);
    }

    /** Moves the connection to the named server (see {@link #migrate()} for failures). */
    public MigrationEvent migrate(String target) throws IOException {
        Objects.requireNonNull(target, "target");
        return connection.migrate(target, "explicit", false);
    }

    /** Name of the server that holds the connection now. */
    public String currentServer() {
        return connection.currentServer();
    }

    /**
     * The server this connection keeps a standby link open to now ({@link
     * ClientOptions#withStandby}): a migration there costs no TCP handshake. Empty without the
     * option, or while the link is being (re)opened.
     */
    public java.util.Optional<String> standbyServer() {
        return java.util.Optional.ofNullable(connection.standbyServer());
    }

    /** Names of every server that held the connection, in order of first use. */
    public Set<String> serversUsed() {
        return connection.serversUsed();
    }

    public int migrations() {
        return connection.migrations();
    }

    /** Smoothed round-trip time from keepalives, or null before the first sample. */
    public Duration rtt() {
        return connection.rtt();
    }

    /** Names of the pool's servers, as the last holder announced them. */
    public List<String> peers() {
        return connection.peers();
    }

    /**
     * Passes what an application-aware observer knows about the responses (where they end) to
     * the connection's policies: see {@link org.mtcp.core.policy.ResponseSignal}. The
     * response-time policy then also times the gaps inside a response that is still incomplete.
     */
    public void signalResponse(org.mtcp.core.policy.ResponseSignal signal) {
        connection.signalResponse(Objects.requireNonNull(signal, "signal"));
    }

    public void addMigrationListener(MigrationListener listener) {
        connection.addMigrationListener(listener);
    }

    /**
     * Graceful close: shuts the output down, waits (up to the connect timeout) until the holder
     * has everything, then ends the connection.
     */
    @Override
    public void close() throws IOException {
        connection.close();
    }

    /** True once the connection is over: closed and delivered, closed by the server, or failed. */
    public boolean isFinished() {
        return connection.isFinished();
    }

    /** The implementation, for tests in this package that look inside (not API). */
    ClientConnection connection() {
        return connection;
    }
}
