package org.mtcp.core;

import java.net.InetSocketAddress;

/**
 * One server of a pool.
 *
 * @param name unique name within the pool, used in certificates and logs
 * @param service where clients connect
 * @param control where the other servers connect (ideally another network)
 */
public record PoolMember(String name, InetSocketAddress service, InetSocketAddress control) {
}
