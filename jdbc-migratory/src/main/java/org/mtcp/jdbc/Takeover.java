package org.mtcp.jdbc;

/**
 * What {@link MigratoryConnection#reconnect} returns: the session at its new epoch (which this
 * front-end now holds) and the definite outcome of the transaction it asked about.
 *
 * @param session the session at the epoch just taken
 * @param outcome {@link Outcome#COMMITTED} or {@link Outcome#ABORTED}; {@link Outcome#UNKNOWN}
 *                only for a transaction older than both logs
 */
public record Takeover(Session session, Outcome outcome) {
}
