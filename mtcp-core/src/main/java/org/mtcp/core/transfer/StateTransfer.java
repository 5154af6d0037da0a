package org.mtcp.core.transfer;

import java.io.IOException;
import org.mtcp.core.ConnectionId;

/**
 * How a connection's state reaches its next holder. {@link #lazy()} is the paper's lazy
 * transfer: the new holder fetches the state from the old one over the control channel when
 * the client arrives. A replicating strategy (push each snapshot to k peers before
 * {@code exportState} returns, surviving a dead holder) plugs in here: it returns true from
 * {@link #pushesOnExport()}, ships the state in {@link #exported}, and answers
 * {@link #acquire} from its replicas when the holder is gone.
 *
 * <p>Implementations are shared by every connection of a server and must be thread-safe.
 */
public interface StateTransfer {

    String name();

    /**
     * Obtains the state of connection {@code id} at {@code epoch} from its holder, for this
     * server to take it over at {@code epoch + 1}. Runs on the thread handling the client's
     * HELLO; the client waits for it.
     */
    ConnectionState acquire(ConnectionId id, long epoch, String holder, TransferContext context)
            throws IOException;

    /**
     * {@link #acquire(ConnectionId, long, String, TransferContext)} for a client whose HELLO says
     * it still has every byte it wrote from {@code clientAcked} on (-1: it did not say): a
     * strategy that keeps replicas may resume from one without asking the holder.
     */
    default ConnectionState acquire(ConnectionId id, long epoch, String holder, long clientAcked,
            TransferContext context) throws IOException {
        return acquire(id, epoch, holder, context);
    }

    /** True when the server must call {@link #exported} on every snapshot. */
    default boolean pushesOnExport() {
        return false;
    }

    /**
     * True when the server must also call {@link #exported} right after a connection starts here,
     * new or taken over (in the background, with the state it starts from), so that the connection
     * survives this holder before the application's first export here. Only with {@link
     * #pushesOnExport()}.
     */
    default boolean pushesOnStart() {
        return false;
    }

    /**
     * Called by the holder after each {@code exportState}, before it returns, with the state at
     * that moment (only when {@link #pushesOnExport()}).
     */
    default void exported(ConnectionState state, TransferContext context) throws IOException {}

    /**
     * Refuses this strategy for a pool of {@code members} servers when it cannot work there
     * ({@code replicated:K} needs the holder and K other servers); lazy transfer works anywhere.
     *
     * @throws IllegalArgumentException naming the strategy, what it needs and the pool's size
     */
    default void checkPoolSize(int members) {}

    /** The spellings {@link #parse} reads, for help texts. */
    String SPECS = "lazy, replicated, replicated:K (K replicas, at least 1; replicated is replicated:1)";

    /**
     * A strategy as the command options ({@code --state-transfer}) write it: {@code lazy},
     * {@code replicated} (one replica) or {@code replicated:K}. Whether the pool is large enough
     * is {@link #checkPoolSize}'s business, once the pool is known.
     *
     * @throws IllegalArgumentException for any other text, naming the spellings
     */
    static StateTransfer parse(String text) {
        String v = text.strip().toLowerCase(java.util.Locale.ROOT);
        if (v.equals("lazy")) {
            return lazy();
        }
        if (v.equals("replicated")) {
            return replicated();
        }
        if (v.startsWith("replicated:")) {
            String count = v.substring("replicated:".length());
            int k;
            try {
                k = Integer.parseInt(count);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': the replica count '" + count
                        + "' is not a number (e.g. replicated:1)");
            }
            if (k < 1) {
                throw new IllegalArgumentException("'" + text + "': replicated needs at least 1 replica");
            }
            return replicated(k);
        }
        throw new IllegalArgumentException("'" + text + "' is not a state transfer strategy (" + SPECS + ")");
    }

    static StateTransfer lazy() {
        return new LazyStateTransfer();
    }

    /**
     * Replicated transfer to {@code k} replicas (k = 1 is the usual choice): connections survive
     * a dead holder. See {@link ReplicatedStateTransfer}.
     */
    static StateTransfer replicated(int k) {
        return new ReplicatedStateTransfer(k);
    }

    /** {@link #replicated(int)} with one replica. */
    static StateTransfer replicated() {
        return replicated(1);
    }
}
