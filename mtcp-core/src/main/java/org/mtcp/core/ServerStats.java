package org.mtcp.core;

/**
 * A snapshot of a server's counters.
 *
 * @param accepted new connections accepted
 * @param migratedIn connections taken over from another server
 * @param migratedOut connections handed to another server
 * @param rejected handshakes refused (bad certificate, unknown connection, garbage, limits)
 * @param open connections currently held
 */
public record ServerStats(long accepted, long migratedIn, long migratedOut, long rejected, int open) {
}
