package org.mtcp.core;

import java.io.IOException;

/**
 * The paper's EMIGRATED error: the connection has moved to another server (a later epoch), so
 * this server may no longer read, write or export on it. A server thread that gets it simply ends.
 */
public final class MigratedException extends IOException {

    private final ConnectionId connectionId;
    private final long epoch;

    public MigratedException(ConnectionId connectionId, long epoch) {
        super("connection " + connectionId + " emigrated at epoch " + epoch);
        this.connectionId = connectionId;
        this.epoch = epoch;
    }

    public ConnectionId connectionId() {
        return connectionId;
    }

    /** The epoch this server held when the connection moved away. */
    public long epoch() {
        return epoch;
    }
}
