package org.mtcp.frontend.engine;

import java.io.IOException;
import java.time.Duration;
import org.mtcp.core.ClientPresence;
import org.mtcp.core.MtcpServerConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request whose client has gone starts no new transaction. Checked at every transaction
 * boundary (before a batch is opened or resumed, before each transaction): while the connection
 * is an orphan (its client link broke), the batch waits here, holding no database connection, for
 * a client to ask for it again: the client comes back (the connection moves to its next epoch, here
 * or on a peer, which resumes from the last snapshot) or re-posts the batch id (which fences this
 * front-end). Either way this front-end stops; it goes on only if the same link is re-attached.
 */
public final class ClientGate {

    private static final Logger LOG = LoggerFactory.getLogger(ClientGate.class);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private ClientGate() {}

    /** Whether {@link #awaitClient} would return at once (the client is linked); never waits. */
    public static boolean linked(MtcpServerConnection connection) {
        return connection.clientPresence() == ClientPresence.LINKED;
    }

    /**
     * Returns when the client is linked; throws {@link org.mtcp.core.MigratedException} when the
     * connection moved on, the transport's reset exception when it was reset (the orphan timeout),
     * and {@link ClientGoneException} when the client closed it.
     */
    public static void awaitClient(MtcpServerConnection connection, String frontend, String batch, int seq) throws IOException {
        ClientPresence presence = connection.clientPresence();
        if (presence == ClientPresence.LINKED) {
            return;
        }
        LOG.info("{}: batch {} paused before seq {}: the client of connection {} is gone ({}); no transaction starts until it asks again",
                frontend, batch, seq, connection.id(), presence);
        while (presence == ClientPresence.ORPHANED) {
            presence = connection.awaitClient(WAIT);
        }
        if (presence == ClientPresence.LINKED) {
            LOG.info("{}: batch {}: the client is back, going on at seq {}", frontend, batch, seq);
            return;
        }
        // moved away or reset: the transport says which (MigratedException, ConnectionResetException)
        connection.getOutputStream().flush();
        throw new ClientGoneException("the client of connection " + connection.id() + " closed it; batch " + batch
                + " stops before seq " + seq);
    }
}
