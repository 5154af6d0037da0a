package org.mtcp.core;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One server of a pool.
 *
 * @param name unique name within the pool, used in certificates and logs
 * @param service where clients connect
 * @param control where the other servers connect (ideally another network)
 */
public record PoolMember(String name, InetSocketAddress service, InetSocketAddress control) {

    public PoolMember {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(control, "control");
        if (name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255
                || name.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new IllegalArgumentException("bad server name '" + name
                    + "': 1 to 255 bytes, no spaces or control characters");
        }
    }
}
