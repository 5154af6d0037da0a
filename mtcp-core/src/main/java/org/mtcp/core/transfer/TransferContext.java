package org.mtcp.core.transfer;

import java.io.IOException;
import org.mtcp.core.ConnectionId;

/**
 * What a {@link StateTransfer} may use from the server it runs in: the authenticated control
 * channel to the other pool members. Implemented by the server.
 */
public interface TransferContext {

    /** Name of the server this transfer runs in. */
    String localName();

    /**
     * Asks {@code holder} (which may be this server) to freeze connection {@code id} at
     * {@code epoch} and hand out its state. The holder fences the epoch atomically: its
     * application gets {@link org.mtcp.core.MigratedException} from then on, and the state is
     * handed out once per epoch; a second fetch gets {@link TransferException.Reason#MOVED}.
     */
    ConnectionState fetch(String holder, ConnectionId id, long epoch) throws IOException;
}
