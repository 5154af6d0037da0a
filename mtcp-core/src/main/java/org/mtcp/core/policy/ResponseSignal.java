package org.mtcp.core.policy;

/**
 * What an observer that understands the application protocol tells the policies about the
 * responses on a connection ({@link org.mtcp.core.MtcpSocket#signalResponse}). The transport sees
 * byte counts only, so it never sends these itself; the client-side proxy, which follows the HTTP
 * framing of the responses it relays, does.
 */
public enum ResponseSignal {
    /**
     * From now on, the observer reports where each request ends ({@link #REQUEST_SENT}) and where
     * each response ends ({@link #COMPLETE}).
     */
    FRAMED,
    /**
     * The client has written the last byte of a request: its response is awaited from now on. A
     * request that is still being sent (a slow client, a long upload) is not the server's delay.
     */
    REQUEST_SENT,
    /** A response ended: the client waits for nothing more until it sends the next request. */
    COMPLETE,
    /** The observer cannot delimit the responses any more (for the rest of the connection). */
    LOST
}
