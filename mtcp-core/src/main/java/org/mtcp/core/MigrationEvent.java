package org.mtcp.core;

import java.time.Instant;

/**
 * One completed (or failed) migration, as seen by the client.
 *
 * @param connectionId the logical connection
 * @param from name of the server that held it
 * @param to name of the server that holds it now (equal to {@code from} when it failed)
 * @param reason why it moved: {@code explicit}, a policy's name and detail, {@code server-request}
 *     or {@code holder-failed: ...}
 * @param micros time from initiation (TCP connect to the new server) to the arrival of WELCOME
 * @param succeeded false when no server could take the connection over
 * @param at when it completed
 */
public record MigrationEvent(
        ConnectionId connectionId,
        String from,
        String to,
        String reason,
        long micros,
        boolean succeeded,
        Instant at) {
}
