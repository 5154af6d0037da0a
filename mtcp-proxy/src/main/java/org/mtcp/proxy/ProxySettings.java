package org.mtcp.proxy;

import java.net.InetSocketAddress;
import java.util.List;
import org.mtcp.core.ClientOptions;

/**
 * How the proxy reaches the pool.
 *
 * @param pool service addresses of the pool's servers, tried in order for a new connection
 * @param options client options (policies, timeouts) of every {@link org.mtcp.core.MtcpSocket}
 * @param bufferSize relay buffer per direction and connection
 * @param maxConnections local connections relayed at once; more are closed at once
 */
public record ProxySettings(List<InetSocketAddress> pool, ClientOptions options, int bufferSize,
        int maxConnections) {

    public static final int DEFAULT_BUFFER_SIZE = 16 * 1024;
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;

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
    }
}
