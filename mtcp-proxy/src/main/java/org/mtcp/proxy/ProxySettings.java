package org.mtcp.proxy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.UnavailableServers;

/**
 * How the proxy reaches the pool.
 *
 * @param pool service addresses of the pool's servers, tried in order for a new connection
 * @param options client options (policies, timeouts) of every {@link org.mtcp.core.MtcpSocket}
 * @param bufferSize relay buffer per direction and connection
 * @param maxConnections local connections relayed at once; more are closed at once
 * @param avoidUnavailableFor how long a server that refused a new connection with {@code
 *     shutdown} (draining) or could not be reached is tried last for new connections
 *     ({@link UnavailableServers})
 */
public record ProxySettings(List<InetSocketAddress> pool, ClientOptions options, int bufferSize,
        int maxConnections, Duration avoidUnavailableFor) {

    public static final int DEFAULT_BUFFER_SIZE = 16 * 1024;
    /** As a server's {@code maxConnections} (docs/protocol.md, section 8). */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    public ProxySettings {
        pool = List.copyOf(pool);
        if (pool.isEmpty()) {
            throw new IllegalArgumentException("no server address");
        }
        if (bufferSize < 1) {
            throw new IllegalArgumentException("buffer size must be positive");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max connections must be positive");
        }
        Objects.requireNonNull(avoidUnavailableFor, "avoidUnavailableFor");
        if (avoidUnavailableFor.isNegative()) {
            throw new IllegalArgumentException("avoid-unavailable time must not be negative");
        }
    }

    /** Unavailable servers are tried last for {@link UnavailableServers#DEFAULT_AVOID_FOR}. */
    public ProxySettings(List<InetSocketAddress> pool, ClientOptions options, int bufferSize, int maxConnections) {
        this(pool, options, bufferSize, maxConnections, UnavailableServers.DEFAULT_AVOID_FOR);
    }

    /** These settings with another pool (a reloaded pool file). */
    public ProxySettings withPool(List<InetSocketAddress> next) {
        return new ProxySettings(next, options, bufferSize, maxConnections, avoidUnavailableFor);
    }
}
