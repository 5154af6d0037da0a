package org.mtcp.core.transfer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.mtcp.core.ConnectionId;

/**
 * Replicated transfer (docs/protocol.md, section 10): after every {@code exportState}, before it
 * returns, the holder pushes the state (snapshot, inbound log, outbound retention and the offsets
 * they cover) to {@code k} replicas: the first reachable servers of the connection's rendezvous
 * ranking over the other pool members. A takeover first fetches from the holder as lazy transfer
 * does (a planned migration, or a holder that lives); when the holder is unreachable or no longer
 * knows the connection (it crashed, or restarted), a server that keeps the replica of that epoch
 * takes the connection over from it. The client frees its outbound bytes only below {@code stable},
 * the client bytes the last replicated state covers, so it can resend the rest to the replica.
 *
 * <p>A member that did not answer (a FETCH or a STORE failed as unreachable) is pushed to last for
 * {@link #AVOID_UNREACHABLE_NANOS} (30 s): a stopped or hung server (SIGSTOP, a partition) does not refuse a
 * connection, so every push to it would wait the whole control timeout first. Without this, a
 * takeover from a stopped holder paid the timeout twice before its WELCOME (the FETCH, then the
 * push to the stopped holder ranked first), longer than the client's connect timeout.
 */
public final class ReplicatedStateTransfer implements StateTransfer {

    /** How long a member that did not answer is pushed to after the others. */
    static final long AVOID_UNREACHABLE_NANOS = 30_000_000_000L;

    private final int replicas;
    /**
     * Per server (its context: one strategy may serve several servers, as in tests), the members
     * that did not answer lately and until when (System.nanoTime) they are tried last. Weak keys:
     * a closed server's memory goes with it.
     */
    private final Map<TransferContext, ConcurrentHashMap<String, Long>> unreachableUntil =
            Collections.synchronizedMap(new WeakHashMap<>());

    public ReplicatedStateTransfer(int replicas) {
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be at least 1, not " + replicas);
        }
        this.replicas = replicas;
    }

    /** How many replicas each state is pushed to. */
    public int replicas() {
        return replicas;
    }

    @Override
    public String name() {
        return "replicated(" + replicas + ")";
    }

    @Override
    public ConnectionState acquire(ConnectionId id, long epoch, String holder, TransferContext context)
            throws IOException {
        try {
            return context.fetch(holder, id, epoch);
        } catch (TransferException e) {
            if (e.reason() != TransferException.Reason.UNREACHABLE
                    && e.reason() != TransferException.Reason.UNKNOWN) {
                throw e; // MOVED: a later epoch exists, the replica is stale; REFUSED: the holder said no
            }
            if (e.reason() == TransferException.Reason.UNREACHABLE) {
                avoid(context, holder);   // the push as this takeover starts, next, must not wait for it
            }
            ConnectionState replica = context.replica(id, epoch);
            if (replica == null) {
                throw e;
            }
            return replica;
        }
    }

    /** The holder plus {@code k} replicas: the pool needs more than {@code k} servers. */
    @Override
    public void checkPoolSize(int members) {
        if (replicas >= members) {
            throw new IllegalArgumentException("replicated:" + replicas + " needs at least " + (replicas + 1)
                    + " servers in the pool (the holder and " + replicas + " replica" + (replicas == 1 ? "" : "s")
                    + "); the pool has " + members);
        }
    }

    @Override
    public boolean pushesOnExport() {
        return true;
    }

    @Override
    public boolean pushesOnStart() {
        return true;
    }

    /**
     * Pushes {@code state} to the first {@code k} replicas that take it, in ranking order; returns
     * once they have. Throws when none took it (the caller's {@code stable} then stays where it
     * was), and a {@link TransferException.Reason#MOVED} at once when a replica knows a later
     * epoch: this holder is fenced.
     */
    @Override
    public void exported(ConnectionState state, TransferContext context) throws IOException {
        int stored = 0;
        List<String> failures = new ArrayList<>();
        ConcurrentHashMap<String, Long> avoided = avoided(context);
        for (String replica : answeringFirst(context.replicaRanking(state.id()), avoided)) {
            try {
                context.store(replica, state);
                avoided.remove(replica);
                if (++stored == replicas) {
                    return;
                }
            } catch (TransferException e) {
                if (e.reason() == TransferException.Reason.MOVED) {
                    throw e;
                }
                if (e.reason() == TransferException.Reason.UNREACHABLE) {
                    avoid(context, replica);
                }
                failures.add(e.getMessage());
            }
        }
        if (stored == 0) {
            throw new TransferException(TransferException.Reason.UNREACHABLE, "no replica took the state of "
                    + state.id() + (failures.isEmpty() ? ": no other server in the pool" : ": " + failures), "");
        }
    }

    private ConcurrentHashMap<String, Long> avoided(TransferContext context) {
        return unreachableUntil.computeIfAbsent(context, c -> new ConcurrentHashMap<>());
    }

    private void avoid(TransferContext context, String member) {
        avoided(context).put(member, System.nanoTime() + AVOID_UNREACHABLE_NANOS);
    }

    /** {@code ranking} with the members that did not answer lately moved to its end, each part in order. */
    static List<String> answeringFirst(List<String> ranking, ConcurrentHashMap<String, Long> avoided) {
        if (avoided.isEmpty()) {
            return ranking;
        }
        long now = System.nanoTime();
        List<String> first = new ArrayList<>(ranking.size());
        List<String> last = new ArrayList<>();
        for (String member : ranking) {
            Long until = avoided.get(member);
            if (until != null && until - now > 0) {
                last.add(member);
            } else {
                if (until != null) {
                    avoided.remove(member, until);
                }
                first.add(member);
            }
        }
        first.addAll(last);
        return first;
    }

    /** {@link #answeringFirst(List, ConcurrentHashMap)} as {@code context}'s server sees it (tests). */
    List<String> answeringFirst(TransferContext context, List<String> ranking) {
        return answeringFirst(ranking, avoided(context));
    }
}
