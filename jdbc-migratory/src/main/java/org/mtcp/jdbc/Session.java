package org.mtcp.jdbc;

/**
 * A session (a client's sequence of transactions) as held by one front-end: its id and the epoch
 * at which this front-end holds it. A takeover gives the session the next epoch; a holder of an
 * older epoch is fenced ({@link FencedException}).
 *
 * @param id    the session id, stable across takeovers (record it in the snapshot)
 * @param epoch the epoch this holder owns
 */
public record Session(long id, long epoch) {

    public Session {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must not be negative: " + epoch);
        }
    }
}
