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
 * @param micros time from initiation (TCP connect to the new server) to the arrival of WELCOME;
 *     for a failed migration, the time spent trying
 * @param succeeded false when no server could take the connection over
 * @param at when it completed
 * @param error for a failed migration, what each server tried answered; empty on success
 */
public record MigrationEvent(
        ConnectionId connectionId,
        String from,
        String to,
        String reason,
        long micros,
        boolean succeeded,
        Instant at,
        String error) {

    public MigrationEvent {
        error = error == null ? "" : error;
    }

    /** The original seven-component form (no error text). */
    public MigrationEvent(ConnectionId connectionId, String from, String to, String reason, long micros,
            boolean succeeded, Instant at) {
        this(connectionId, from, to, reason, micros, succeeded, at, "");
    }
}
