package org.mtcp.core;

/** What the holder of a connection knows about its client right now ({@link MtcpServerConnection#clientPresence()}). */
public enum ClientPresence {
    /** A client link is attached: the client can be reached now. */
    LINKED,
    /**
     * An orphan: the client link broke and the client has not come back. The transport keeps the
     * connection for it (it may return here, or migrate the connection elsewhere) until the
     * orphan timeout resets it.
     */
    ORPHANED,
    /** The client closed the connection, or it moved away or was reset: no client will ask here any more. */
    GONE
}
