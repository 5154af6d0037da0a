package org.mtcp.core.transfer;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.Threads;

/**
 * Replicated transfer (docs/protocol.md, section 10): after every {@code exportState}, before it
 * returns, the holder pushes the state (snapshot, inbound log, outbound retention and the offsets
 * they cover) to {@code k} replicas: the first reachable servers of the connection's rendezvous
 * ranking over the other pool members. A takeover first fetches from the holder as lazy transfer
 * does (a planned migration, or a holder that lives); when the holder is unreachable or no longer
 * knows the connection (it crashed, or restarted), a server that keeps the replica of that epoch
 * takes the connection over from it. A planned migration to a server that keeps the replica the
 * client's HELLO shows to be usable resumes from it without any FETCH (see {@link #acquire(
 * ConnectionId, long, String, long, TransferContext)}). The client frees its outbound bytes only below {@code stable},
 * the client bytes the last replicated state covers, so it can resend the rest to the replica.
 *
 * <p>A member that did not answer in time (a FETCH or a STORE timed out: a stopped or hung server,
 * SIGSTOP, a partition, which does not refuse a connection as a dead one does) is not pushed to
 * for {@link #AVOID_SILENT_NANOS} (30 s): every attempt would wait the whole control timeout
 * first. Without this, a takeover from a stopped holder paid that timeout twice before its
 * WELCOME (the FETCH, then the push to the stopped holder, the only other member of a pool of
 * two), longer than the client's connect timeout. A member that refused the connection (dead) is
 * retried at each push: that costs nothing, and a restarted server is a replica again at once.
 * While a push reaches fewer than {@code k} replicas because members are skipped, each skipped one
 * gets the same state in the background (one probe at a time per member, off the export's path):
 * one that answers (continued after SIGSTOP, restarted) is a replica again at the next export,
 * not 30 s later. Without the probe a holder whose peers had all been stopped once kept pushing
 * to nobody, and lost its connection when it was stopped in turn (FrontendKillTest).
 */
public final class ReplicatedStateTransfer implements StateTransfer {

    /** How long a member that did not answer in time is not pushed to. */
    static final long AVOID_SILENT_NANOS = 30_000_000_000L;

    private final int replicas;
    /**
     * Per server (its context: one strategy may serve several servers, as in tests), the members
     * that did not answer in time lately and until when (System.nanoTime) they are skipped. Weak keys:
     * a closed server's memory goes with it.
     */
    private final Map<TransferContext, ConcurrentHashMap<String, Long>> unreachableUntil =
            Collections.synchronizedMap(new WeakHashMap<>());

    /** Per server, the skipped members a background push is probing now (at most one probe each). */
    private final Map<TransferContext, Set<String>> probing = Collections.synchronizedMap(new WeakHashMap<>());

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

    /**
     * A planned migration to a server that keeps the replica of the certificate's epoch, covering
     * what the client freed: resumed from it at once, no FETCH (docs/protocol.md 10, "Migration to
     * a replica"); the server fences the holder afterwards, in the background. Otherwise as {@link
     * #acquire(ConnectionId, long, String, TransferContext)}.
     */
    @Override
    public ConnectionState acquire(ConnectionId id, long epoch, String holder, long clientAcked,
            TransferContext context) throws IOException {
        if (clientAcked >= 0 && !holder.equals(context.localName())) {
            ConnectionState replica = context.claimReplica(id, epoch, holder, clientAcked);
            if (replica != null) {
                return replica;
            }
        }
        return acquire(id, epoch, holder, context);
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
            if (silent(e)) {
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
        List<String> ranking = context.replicaRanking(state.id());
        List<String> answering = answering(ranking, avoided);
        for (String replica : answering) {
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
                if (silent(e)) {
                    avoid(context, replica);
                }
                failures.add(e.getMessage());
            }
        }
        if (answering.size() < ranking.size()) {
            probeSkipped(ranking, answering, state, context);
        }
        if (stored == 0) {
            String why = ranking.isEmpty() ? "no other server in the pool"
                    : answering.size() < ranking.size() && failures.isEmpty() ? "every other server did not answer lately"
                    : failures.toString();
            throw new TransferException(TransferException.Reason.UNREACHABLE, "no replica took the state of "
                    + state.id() + ": " + why, "");
        }
    }

    /**
     * Pushes {@code state} in the background to each member of {@code ranking} that is skipped
     * (not in {@code answering}) and not probed already; one that takes it is no longer skipped.
     */
    private void probeSkipped(List<String> ranking, List<String> answering, ConnectionState state,
            TransferContext context) {
        Set<String> probes = probing.computeIfAbsent(context, c -> ConcurrentHashMap.newKeySet());
        for (String member : ranking) {
            if (answering.contains(member) || !probes.add(member)) {
                continue;
            }
            Threads.start("mtcp-replica-probe-" + member, () -> {
                try {
                    context.store(member, state);
                    avoided(context).remove(member);
                } catch (TransferException e) {
                    if (silent(e)) {
                        avoid(context, member);   // still silent: skipped for another while
                    }
                    // MOVED or refused: this holder's next synchronous push meets it and acts on it
                } catch (IOException e) {
                    // unreachable still: the skip stands; a later short push probes it again
                } finally {
                    probes.remove(member);
                }
            });
        }
    }

    private ConcurrentHashMap<String, Long> avoided(TransferContext context) {
        return unreachableUntil.computeIfAbsent(context, c -> new ConcurrentHashMap<>());
    }

    private void avoid(TransferContext context, String member) {
        avoided(context).put(member, System.nanoTime() + AVOID_SILENT_NANOS);
    }

    /** Unreachable because it did not answer in time (not refused: a refusal is quick to get again). */
    private static boolean silent(TransferException e) {
        return e.reason() == TransferException.Reason.UNREACHABLE && e.getCause() instanceof SocketTimeoutException;
    }

    /** {@code ranking} without the members that did not answer in time lately, in order. */
    static List<String> answering(List<String> ranking, ConcurrentHashMap<String, Long> avoided) {
        if (avoided.isEmpty()) {
            return ranking;
        }
        long now = System.nanoTime();
        List<String> answering = new ArrayList<>(ranking.size());
        for (String member : ranking) {
            Long until = avoided.get(member);
            if (until == null || until - now <= 0) {
                if (until != null) {
                    avoided.remove(member, until);
                }
                answering.add(member);
            }
        }
        return answering;
    }

    /** {@link #answering(List, ConcurrentHashMap)} as {@code context}'s server sees it (tests). */
    List<String> answering(TransferContext context, List<String> ranking) {
        return answering(ranking, avoided(context));
    }
}
