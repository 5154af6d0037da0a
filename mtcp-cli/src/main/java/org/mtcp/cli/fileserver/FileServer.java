package org.mtcp.cli.fileserver;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.MigratedException;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.proxy.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The migratory HTTP file server: one {@link MtcpServer} of a pool, an accept loop, and one
 * virtual thread per connection running a {@link FileSession}. Every server of the pool runs
 * this same code over its own copy of the files.
 *
 * <p>Event lines (see {@code docs/cli.md}): {@code <server> accept cid=<id> epoch=0} for a new
 * connection, {@code <server> migrated-in cid=<id> epoch=<n> resume=<snapshot>} for one taken
 * over from another server.
 *
 * <p>{@link #drain(Duration)} asks every client to move to another server (server-initiated
 * migration) and waits for the connections to leave, for a shutdown that loses nothing.
 */
public final class FileServer implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(FileServer.class);

    private final MtcpServer server;
    private final Path root;
    private final FileServerConfig config;
    private final EventLog events;
    private final Map<ConnectionId, MtcpServerConnection> live = new ConcurrentHashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closed;

    /**
     * @param server a started pool member; this object closes it
     * @param config the directory must exist
     */
    public FileServer(MtcpServer server, FileServerConfig config, EventLog events) throws IOException {
        this.server = server;
        this.root = config.root().toRealPath();
        this.config = config;
        this.events = events;
    }

    public String name() {
        return server.name();
    }

    public InetSocketAddress serviceAddress() {
        return server.serviceAddress();
    }

    public MtcpServer transport() {
        return server;
    }

    /** Connections this server is serving now. */
    public int liveConnections() {
        return live.size();
    }

    /** Accepts and serves connections until {@link #close()}; then returns. */
    public void serve() throws IOException {
        try {
            while (!closed) {
                MtcpServerConnection connection;
                try {
                    connection = server.accept();
                } catch (IOException e) {
                    if (closed) {
                        return;
                    }
                    throw e;
                }
                live.put(connection.id(), connection);
                Thread.ofVirtual().name(name() + "-" + connection.id()).start(() -> serve(connection));
            }
        } finally {
            stopped.countDown();
        }
    }

    /** Starts {@link #serve()} on a thread of its own (tests, embedding). */
    public Thread serveInBackground() {
        return Thread.ofPlatform().name(name() + "-accept").daemon().start(() -> {
            try {
                serve();
            } catch (IOException e) {
                LOG.error("{}: accept loop failed", name(), e);
            }
        });
    }

    private void serve(MtcpServerConnection connection) {
        boolean[] reported = {false};
        FileSession session = new FileSession(connection, root, config, (c, imported) -> {
            reported[0] = true;
            started(c, imported);
        });
        try {
            session.run();
        } catch (MigratedException e) {
            if (!reported[0]) {
                // moved on before this server could even import the snapshot: still one line
                events.log(name() + " migrated-in cid=" + connection.id() + " epoch=" + connection.epoch()
                        + " resume=none (moved on at once)");
            }
            LOG.debug("{}: connection {} moved away", name(), connection.id());
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.warn("{}: connection {} failed: {}", name(), connection.id(), e.toString());
            }
            try {
                connection.close();
            } catch (IOException | RuntimeException ignored) {
                // already broken or moved away
            }
        } finally {
            live.remove(connection.id(), connection);
        }
    }

    private void started(MtcpServerConnection connection, FileSnapshot imported) {
        if (imported == null && !connection.migrated()) {
            events.log(name() + " accept cid=" + connection.id() + " epoch=" + connection.epoch());
        } else {
            events.log(name() + " migrated-in cid=" + connection.id() + " epoch=" + connection.epoch()
                    + " resume=" + (imported == null ? "start" : imported.toString()));
        }
    }

    /**
     * Zero-downtime shutdown through {@link MtcpServer#drain(Duration)}: asks the client of every
     * connection to move to another server, waits up to {@code timeout} until every connection
     * has moved away or ended, then closes the transport, which lets the last handovers (state
     * already fetched by the new server) complete. Returns the number of connections that were
     * still here and got dropped. With a zero timeout nothing is asked; {@link #close()} drops
     * them.
     */
    public int drain(Duration timeout) {
        if (timeout.isZero()) {
            return live.size();
        }
        closed = true; // shutting down: connections failing from here on are not warned about
        return server.drain(timeout);
    }

    /** Waits for the accept loop to end after {@link #close()}. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops accepting and drops the connections still held (clients may fail over). */
    @Override
    public void close() {
        closed = true;
        server.close();
    }
}
