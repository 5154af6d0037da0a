package org.mtcp.core.internal.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MigrationListener;
import org.mtcp.core.UnavailableServers;
import org.mtcp.core.internal.stream.Guard;
import org.mtcp.core.policy.HolderFailurePolicy;
import org.mtcp.core.policy.MigrationPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides and runs the migrations of one {@link ClientConnection}: the supervisor thread
 * (policies, server requests, failover, the close linger), the choice of targets, the attempts
 * server by server, the listeners, and the optional {@link StandbyLink} to the next target.
 *
 * <p>Shares the connection's lock and condition: the migration phase is guarded by it, because
 * the link callbacks (a link failure, a MIGRATE_REQUEST) change it under that lock.
 */
final class MigrationSupervisor {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationSupervisor.class);

    /** A failed event's error when the holder closed (or finished sending): nothing to move. */
    static final String SERVER_CLOSED = "the server closed the connection: nothing to migrate";

    /**
     * Where the connection stands with its holder. Transitions ({@link #moveTo}):
     * STEADY -> MIGRATING -> STEADY | HOLDER_FAILED (a failure deferred during the attempt);
     * STEADY -> HOLDER_FAILED -> FAILING_OVER -> MIGRATING (switched) | HOLDER_FAILED (all refused).
     */
    enum Phase {
        /** The holder serves; no migration under way. */
        STEADY,
        /** A migration is under way while the holder serves (overlap): its link failure is deferred. */
        MIGRATING,
        /** The holder failed; the supervisor tells the policies and decides. */
        HOLDER_FAILED,
        /** The holder failed and a migration away from it is under way. */
        FAILING_OVER;

        boolean holderFailed() {
            return this == HOLDER_FAILED || this == FAILING_OVER;
        }

        boolean migrating() {
            return this == MIGRATING || this == FAILING_OVER;
        }
    }

    /** What started a migration. */
    enum Cause {
        /** The application ({@code migrate()}). */
        EXPLICIT,
        /** A migration policy: bounded, backed off, and marks the server it leaves. */
        POLICY,
        /** The holder asked (MIGRATE_REQUEST, e.g. draining). */
        SERVER_REQUEST,
        /** The holder failed. */
        FAILOVER
    }

    /** A migration to decide on: where (null: the client picks), why, and what started it. */
    private record Decision(String target, String reason, Cause cause, String failedCause) {
        boolean failover() {
            return cause == Cause.FAILOVER;
        }
    }

    private final ClientConnection conn;
    private final ClientOptions options;
    private final Guard lock;
    private final Condition changed;
    private final List<MigrationPolicy> policies;
    private final CopyOnWriteArrayList<MigrationListener> listeners = new CopyOnWriteArrayList<>();
    private final ReentrantLock migrationLock = new ReentrantLock();
    private final UnavailableServers quarantine;
    private final long keepaliveNanos;
    /** The standby link to the next target, when {@link ClientOptions#standby()}; else null. */
    private final StandbyLink.Keeper standby;
    private final MigrationAttempts attempts;

    // Guarded by lock.
    private Phase phase = Phase.STEADY;
    /** Why the holder failed, while {@link Phase#holderFailed()}. */
    private String holderFailure;
    /** The policies were told of {@link #holderFailure} (by the supervisor, before deciding). */
    private boolean failureAnnounced;
    /** A failure of the current link seen during a migration, acted on only if the migration fails. */
    private String deferredFailure;
    private ClientLink deferredFailureLink;
    private String serverRequestTarget;
    private String serverRequestReason;
    /** Whether a policy migration may happen now (bounds, back-off). */
    private final PolicyMigrationGovernor governor;

    MigrationSupervisor(ClientConnection conn, ClientOptions options, Guard lock, Condition changed,
            List<MigrationPolicy> policies, UnavailableServers quarantine) {
        this.conn = conn;
        this.options = options;
        this.lock = lock;
        this.changed = changed;
        this.policies = policies;
        this.quarantine = quarantine;
        this.keepaliveNanos = options.keepaliveInterval().toNanos();
        this.governor = new PolicyMigrationGovernor(options.migrationCooldown(), options.migrationLimits());
        this.standby = options.standby() ? new StandbyLink.Keeper(conn, options, this::nextTarget) : null;
        this.attempts = new MigrationAttempts(conn, quarantine, standby);
    }

    void addListener(MigrationListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    // ------------------------------------------------------------------ events (under lock)

    private void moveTo(Phase next) {
        boolean allowed = switch (phase) {
            case STEADY -> next == Phase.MIGRATING || next == Phase.HOLDER_FAILED;
            case MIGRATING -> next == Phase.STEADY || next == Phase.HOLDER_FAILED;
            case HOLDER_FAILED -> next == Phase.FAILING_OVER;
            case FAILING_OVER -> next == Phase.MIGRATING || next == Phase.HOLDER_FAILED;
        };
        if (!allowed) {
            throw new IllegalStateException("migration phase " + phase + " -> " + next);
        }
        phase = next;
    }

    /** Under lock: whether the holder failed (its link's sender stops). */
    boolean holderFailed() {
        return phase.holderFailed();
    }

    /**
     * Under lock: the current link broke while the connection lives. During a migration it is
     * expected (the old holder ends the link when the new one fetches the state): deferred.
     */
    void onLinkFailed(ClientLink link, String cause) {
        switch (phase) {
            case HOLDER_FAILED, FAILING_OVER -> { }
            case MIGRATING -> {
                deferredFailure = cause;
                deferredFailureLink = link;
            }
            case STEADY -> {
                holderFailure = cause;
                moveTo(Phase.HOLDER_FAILED);
                LOG.debug("connection {}: holder {} failed: {}", conn.id(), link.server, cause);
                conn.wakeAll(); // the supervisor tells the policies, then decides
            }
        }
    }

    /** Under lock: the holder asked the client to move (MIGRATE_REQUEST). */
    void onServerRequest(String target, String reason) {
        serverRequestTarget = target;
        serverRequestReason = reason;
    }

    /** Under lock: a new holder took the connection: its failure, if any, is behind. */
    void onHolderReplaced() {
        if (phase == Phase.FAILING_OVER) {
            moveTo(Phase.MIGRATING);
        }
        holderFailure = null;
        failureAnnounced = false;
        onPeersChanged();
    }

    /** The holder or the pool changed: the standby link may have to go elsewhere. */
    void onPeersChanged() {
        if (standby != null) {
            standby.renew();
        }
    }

    void startStandby() {
        if (standby != null) {
            standby.start();
        }
    }

    /** Under lock: the holder delivered bytes or a response ended: the policy migrations helped. */
    void onProgress() {
        governor.progressed();
    }

    // ------------------------------------------------------------------ the supervisor thread

    void run() {
        // Time-based policies (silence, response time, rate) are evaluated every 100 ms at most;
        // the holder-failure policy reacts to events only, so without others a slow tick will do
        // (it still bounds the close linger).
        boolean timeBased = policies.stream().anyMatch(p -> !(p instanceof HolderFailurePolicy));
        long tick = timeBased
                ? Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(TimeUnit.MILLISECONDS.toNanos(100), keepaliveNanos / 4))
                : Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(TimeUnit.SECONDS.toNanos(1), keepaliveNanos));
        boolean idleWatched = policies.stream().anyMatch(MigrationPolicy::needsKeepalivesWhileIdle);
        try {
            while (true) {
                lock.lock();
                try {
                    if (conn.isOver()) {
                        return;
                    }
                    if (!phase.holderFailed() && serverRequestTarget == null) {
                        long wait = waitNanos(timeBased && (idleWatched || conn.isActive()), tick);
                        if (wait == Long.MAX_VALUE) {
                            changed.await(); // nothing is timed now: an event (or a write) wakes it
                        } else {
                            changed.awaitNanos(wait);
                        }
                    }
                    if (conn.isOver()) {
                        return;
                    }
                } catch (InterruptedException e) {
                    return;
                } finally {
                    lock.unlock();
                }
                Decision d = decide(System.nanoTime());
                if (d == null) {
                    continue;
                }
                try {
                    MigrationEvent e = migrate(d.target, d.reason, d.cause);
                    if (e != null && d.failover() && !e.succeeded()) {
                        conn.fail(new IOException("holder " + e.from() + " failed (" + d.failedCause
                                + ") and no server could take connection " + conn.id() + " over: " + e.error()));
                    }
                } catch (IOException | RuntimeException e) {
                    if (d.failover()) {
                        conn.fail(new IOException("holder failed (" + d.failedCause + ") and migration failed: "
                                + e.getMessage(), e));
                    } else {
                        LOG.debug("connection {}: migration for {} failed: {}", conn.id(), d.reason, e.toString());
                    }
                }
            }
        } finally {
            if (standby != null) {
                standby.close();
            }
        }
    }

    /**
     * How long the supervisor may sleep (under lock): time-based policies are evaluated every
     * {@code tick} while the connection is active (data flowing, a request pending) or a policy
     * watches idle silence; an idle connection is not ticked at all (no timer per idle
     * connection); while closing, until the linger deadline.
     */
    private long waitNanos(boolean ticking, long tick) {
        long wait = ticking ? tick : Long.MAX_VALUE;
        long linger = conn.lingerNanos();
        if (linger >= 0) {
            wait = Math.min(wait, Math.max(TimeUnit.MILLISECONDS.toNanos(1), linger));
        }
        return wait;
    }

    private Decision decide(long now) {
        if (conn.abandonIfLingerExpired(now)) {
            return null;
        }
        String failed;
        String request;
        String requestReason;
        boolean announce = false;
        lock.lock();
        try {
            failed = holderFailure;
            request = serverRequestTarget;
            requestReason = serverRequestReason;
            serverRequestTarget = null;
            if (failed != null && !failureAnnounced) {
                failureAnnounced = true;
                announce = true;
            }
        } finally {
            lock.unlock();
        }
        boolean closing = conn.isClosing();
        if (announce) {
            for (MigrationPolicy p : policies) {
                p.onHolderFailure(failed, now);
            }
        }
        Optional<String> reason = Optional.empty();
        for (MigrationPolicy p : policies) {
            reason = p.evaluate(now);
            if (reason.isPresent()) {
                break;
            }
        }
        if (failed != null) {
            if (reason.isPresent()) {
                return new Decision(null, reason.get(), Cause.FAILOVER, failed);
            }
            conn.fail(new IOException("holder " + conn.currentServer() + " failed: " + failed
                    + (options.failover() ? "" : " (failover is off)")));
            return null;
        }
        if (closing) {
            return null; // while closing, only failover moves the connection
        }
        if (conn.serverFinished()) {
            // The holder finished sending and forgets the connection once its FIN is acknowledged:
            // a policy's or the holder's wish to move it is stale, there is nothing left to move.
            return null;
        }
        if (request != null) {
            String why = "server-request" + (requestReason == null || requestReason.isEmpty() ? "" : ": " + requestReason);
            return new Decision(request.isEmpty() ? null : request, why, Cause.SERVER_REQUEST, null);
        }
        if (reason.isPresent()) {
            return policyDecision(reason.get(), now);
        }
        return null;
    }

    /**
     * A policy asks to migrate: whether it may now (bounds and back-off, {@link
     * PolicyMigrationGovernor}), and whether any server is worth it: after a policy migration that
     * brought no progress, when every other server was found bad lately too, the connection stays.
     */
    private Decision policyDecision(String reason, long now) {
        String holder = conn.currentServer();
        Map<String, InetSocketAddress> peers = conn.peerAddresses();
        lock.lock();
        try {
            PolicyMigrationGovernor.State state = governor.state(now);
            if (state != PolicyMigrationGovernor.State.READY) {
                return null;
            }
            List<InetSocketAddress> others = new ArrayList<>();
            peers.forEach((name, address) -> {
                if (!name.equals(holder)) {
                    others.add(address);
                }
            });
            if (governor.count() > 0 && quarantine.allAvoided(others)) {
                LOG.debug("connection {}: {} but every other server was found bad lately: staying with {}",
                        conn.id(), reason, holder);
                return null;
            }
            governor.migrated(now);
        } finally {
            lock.unlock();
        }
        return new Decision(null, reason, Cause.POLICY, null);
    }

    // ------------------------------------------------------------------ migrating

    /**
     * Moves the connection. {@code target} null lets the client pick: the next server after the
     * current one in pool order; with {@code failover}, every other server, then the failed one
     * (its link may have broken while it lives). Returns the event (also given to listeners);
     * a failed migration leaves the connection where it was. With {@code failover}, returns null
     * when another thread already recovered from the failure.
     */
    MigrationEvent migrate(String target, String reason, Cause cause) throws IOException {
        boolean failover = cause == Cause.FAILOVER;
        migrationLock.lock();
        try {
            conn.checkMigratable(failover);
            String from = conn.currentServer();
            if (conn.isServerClosed() || (!failover && conn.serverFinished())) {
                if (cause == Cause.POLICY || cause == Cause.SERVER_REQUEST) {
                    LOG.debug("connection {}: the server closed before the migration for {} began: dropped",
                            conn.id(), reason);
                    return null; // decided before the end arrived: stale, not a failure
                }
                MigrationEvent e = new MigrationEvent(conn.id(), from, from, reason, 0, false, Instant.now(),
                        SERVER_CLOSED);
                notifyListeners(e);
                return e;
            }
            Map<String, InetSocketAddress> peers = conn.peerAddresses();
            Deque<String> candidates = new ArrayDeque<>();
            if (target != null) {
                if (!peers.containsKey(target)) {
                    throw new IllegalArgumentException("no server named '" + target + "' in the pool "
                            + peers.keySet());
                }
                candidates.add(target);
            } else {
                List<String> next = othersInPoolOrder(peers, from);
                if (cause == Cause.SERVER_REQUEST && next.size() > 1) {
                    // A draining server asks all its clients at once: each starts at a peer of
                    // its own (by connection id) so that they spread over the peers instead of
                    // all taking the next one in pool order.
                    Collections.rotate(next, -Math.floorMod(conn.id().hashCode(), next.size()));
                }
                if (conn.holderReplicates()) {
                    // Replicated transfer: the holder's replicas first, in the ranking it pushes
                    // by (the same function over the same members), so the first attempt usually
                    // finds the state (failover), or resumes from it without asking the holder
                    // (a planned migration: docs/protocol.md 10); the others follow (a replica
                    // may have moved down the ranking).
                    next = new ArrayList<>(org.mtcp.core.internal.Rendezvous.rank(conn.id(), next));
                }
                // the next in pool order among those not found bad lately, then the others
                candidates.addAll(quarantine.order(next, peers::get));
                if (failover) {
                    InetSocketAddress failed = peers.get(from);
                    if (failed != null) {
                        quarantine.markUnavailable(failed, UnavailableServers.Why.FAILED);
                    }
                    candidates.add(from);
                }
            }
            lock.lock();
            try {
                if (failover) {
                    if (!phase.holderFailed()) {
                        return null; // another thread recovered already
                    }
                    moveTo(Phase.FAILING_OVER);
                } else {
                    moveTo(phase == Phase.HOLDER_FAILED ? Phase.FAILING_OVER : Phase.MIGRATING);
                }
                deferredFailure = null;
                deferredFailureLink = null;
            } finally {
                lock.unlock();
            }
            try {
                MigrationEvent e = attempts.run(from, candidates, reason);
                if (!e.succeeded() && (cause == Cause.POLICY || cause == Cause.SERVER_REQUEST)
                        && conn.serverFinished()) {
                    // The holder finished sending during the attempts (and forgot the connection
                    // once its FIN was acknowledged, so the new server's fetch found nothing):
                    // the decision was overtaken by the end of the stream, not a failed migration.
                    LOG.debug("connection {}: the server closed during the migration for {}: dropped ({})",
                            conn.id(), reason, e.error());
                    return null;
                }
                notifyListeners(e);
                if (cause == Cause.POLICY && e.succeeded()) {
                    InetSocketAddress left = peers.get(from);
                    if (left != null) {
                        quarantine.markUnavailable(left, UnavailableServers.Why.LEFT_BY_POLICY);
                    }
                }
                return e;
            } finally {
                endMigrating();
            }
        } finally {
            migrationLock.unlock();
        }
    }

    /** The other pool members, starting after {@code from} in pool order. */
    private static List<String> othersInPoolOrder(Map<String, InetSocketAddress> peers, String from) {
        List<String> names = new ArrayList<>(peers.keySet());
        int at = names.indexOf(from);
        List<String> next = new ArrayList<>();
        for (int i = 1; i <= names.size(); i++) {
            String n = names.get(((at < 0 ? -1 : at) + i + names.size()) % names.size());
            if (!n.equals(from)) {
                next.add(n);
            }
        }
        return next;
    }

    /**
     * The server a client-picked migration would try first now: the next in pool order among
     * those not found bad lately (the standby link's target); null when there is none.
     */
    private String nextTarget() {
        Map<String, InetSocketAddress> peers = conn.peerAddresses();
        List<String> others = othersInPoolOrder(peers, conn.currentServer());
        if (conn.holderReplicates()) {
            others = org.mtcp.core.internal.Rendezvous.rank(conn.id(), others); // the replica: see migrate()
        }
        List<String> ordered = quarantine.order(others, peers::get);
        return ordered.isEmpty() ? null : ordered.get(0);
    }

    /** After a migration: a link failure seen meanwhile counts only if the link is still current. */
    private void endMigrating() {
        lock.lock();
        try {
            String cause = deferredFailure;
            ClientLink failedLink = deferredFailureLink;
            deferredFailure = null;
            deferredFailureLink = null;
            if (phase == Phase.FAILING_OVER) {
                moveTo(Phase.HOLDER_FAILED); // every server refused: the failure stands
                return;
            }
            if (cause != null && conn.isCurrentAndLive(failedLink)) {
                holderFailure = cause;
                moveTo(Phase.HOLDER_FAILED);
            } else {
                moveTo(Phase.STEADY);
            }
            conn.wakeAll(); // the supervisor decides on the failure, or renews the standby link
        } finally {
            lock.unlock();
        }
    }

    /** The server the standby link is open to now, or null. */
    String standbyServer() {
        return standby == null ? null : standby.target();
    }

    void notifyListeners(MigrationEvent e) {
        for (MigrationListener l : listeners) {
            try {
                l.onMigration(e);
            } catch (RuntimeException ex) {
                LOG.warn("migration listener failed", ex);
            }
        }
    }

    /** Wakes the supervisor: a policy may want to migrate, or the standby link needs renewing. */
    void wake() {
        lock.lock();
        try {
            conn.wakeAll();
        } finally {
            lock.unlock();
        }
    }
}
