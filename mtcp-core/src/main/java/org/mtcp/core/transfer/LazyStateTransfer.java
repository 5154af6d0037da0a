package org.mtcp.core.transfer;

import java.io.IOException;
import org.mtcp.core.ConnectionId;

/**
 * The paper's lazy transfer (Figure 3): state moves only when a client migrates. The new holder
 * asks the old one for it over the authenticated control channel; the old holder freezes the
 * connection and hands its state out once. Nothing happens on export, so a snapshot costs only
 * a copy; the price is that a migration needs the old holder alive (a dead holder's connections
 * are lost; see {@code docs/protocol.md}).
 */
public final class LazyStateTransfer implements StateTransfer {
    @Override
    public String name() {
        return "lazy";
    }

    @Override
    public ConnectionState acquire(ConnectionId id, long epoch, String holder, TransferContext context)
            throws IOException {
        return context.fetch(holder, id, epoch);
    }
}
