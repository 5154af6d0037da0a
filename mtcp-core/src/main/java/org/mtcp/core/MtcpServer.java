package org.mtcp.core;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.mtcp.core.internal.server.ServerEngine;

/**
 * One server of a pool: listens on its service address for clients (new connections and
 * migrating ones) and on its control address for the other servers (state transfer).
 *
 * <p>{@link #accept()} returns both new and migrated connections, so the same application code
 * runs on every server (paper section 3.1.2): it calls {@link MtcpServerConnection#importState()}
 * and resumes from the snapshot, which is empty for a new connection.
 *
 * <p>A typical application thread per connection:
 * <pre>{@code
 * while (true) {
 *     MtcpServerConnection c = server.accept();
 *     Thread.ofVirtual().start(() -> {
 *         try (c) {
 *             State s = State.decode(c.importState());   // empty for a new connection
 *             ... read, write, and c.exportState(s.encode()) at consistent points ...
 *         } catch (MigratedException e) {
 *             // the connection moved to another server: this thread simply ends
 *         }
 *     });
 * }
 * }</pre>
 *
 * <p>Ports may be 0 in the pool (tests): {@link #serviceAddress()} and {@link #controlAddress()}
 * report the bound ports, and {@link #updatePool(PoolConfig)} gives every server the real
 * addresses once all are bound (the test kit's {@code LoopbackPool} does this).
 */
public final class MtcpServer implements Closeable {

    private final ServerEngine engine;

    private MtcpServer(ServerEngine engine) {
        this.engine = engine;
    }

    /** Starts the pool member {@code name}: binds its service and control addresses. */
    public static MtcpServer start(PoolConfig pool, String name, ServerOptions options)
            throws IOException {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(options, "options");
        return new MtcpServer(ServerEngine.start(pool, name, options, Clock.systemUTC()));
    }

    public static MtcpServer start(PoolConfig pool, String name) throws IOException {
        return start(pool, name, ServerOptions.defaults());
    }

    /** Blocks until a new or migrated connection is ready; throws once the server is closed. */
    public MtcpServerConnection accept() throws IOException {
        return engine.accept(-1);
    }

    /** As {@link #accept()}, but returns null after {@code timeout}. */
    public MtcpServerConnection accept(Duration timeout) throws IOException {
        return engine.accept(Math.max(0, timeout.toNanos()));
    }

    public String name() {
        return engine.name();
    }

    /** The bound service address (the real port when the pool file said port 0). */
    public InetSocketAddress serviceAddress() {
        return engine.serviceAddress();
    }

    public InetSocketAddress controlAddress() {
        return engine.controlAddress();
    }

    /** This server's entry with the bound addresses (the real ports when the pool said 0). */
    public PoolMember boundMember() {
        PoolMember configured = engine.pool().member(engine.name()).orElseThrow();
        return new PoolMember(engine.name(),
                new InetSocketAddress(configured.service().getHostString(), serviceAddress().getPort()),
                new InetSocketAddress(configured.control().getHostString(), controlAddress().getPort()));
    }

    /** The pool as this server sees it now. */
    public PoolConfig pool() {
        return engine.pool();
    }

    /**
     * Replaces this server's view of the pool: members added or moved, real ports once every
     * server has bound port 0. The secret must be the same and this server must be in it.
     */
    public void updatePool(PoolConfig pool) {
        engine.updatePool(pool);
    }

    /** Counters for metrics and tests. */
    public ServerStats stats() {
        return engine.stats();
    }

    /**
     * Zero-downtime shutdown: asks the client of every connection held here to migrate (as
     * {@link MtcpServerConnection#requestMigration(String) requestMigration(null)}: each client
     * moves to the next server of the pool), refuses new and migrating clients meanwhile
     * (RESET {@code shutdown}), waits up to {@code timeout} until every connection has moved away
     * or ended, then {@link #close()}s, which lets the last hand-outs complete. Returns the number
     * of connections still held when the wait ended, which the close drops (0: nothing lost).
     */
    public int drain(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return engine.drain(timeout);
    }

    /**
     * Stops listening and drops every connection it holds, as a crash would (links cut, no
     * CLOSE), with one exception: a hand-out under way completes first. Once another server has
     * fetched a connection's state (the application here then sees {@link MigratedException}),
     * closing is safe: the state reply still goes out, bounded by 4 × the control timeout, and the
     * migration completes. A migration whose fetch has not reached this server yet fails (the
     * client sees {@code holder-unreachable}); use {@link #drain(Duration)} to move every client
     * away first.
     */
    @Override
    public void close() {
        engine.close();
    }

    /** Whether it has stopped (closed, or drained): {@link #accept()} then fails at once. */
    public boolean isClosed() {
        return engine.isClosed();
    }
}
