package org.mtcp.core.internal.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.UnavailableServers;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.ResetCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One migration's attempts, server by server, for the {@link MigrationSupervisor}: each candidate
 * at most twice; a stale certificate's hint (the server that took the connection but whose
 * WELCOME was lost) is tried next; a busy server is asked again shortly; the quarantine hears of
 * every answer. The first WELCOME switches the connection over.
 */
final class MigrationAttempts {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationAttempts.class);

    /** Attempts per server and migration: once, and once more if another server points at it. */
    private static final int MAX_ATTEMPTS_PER_SERVER = 2;

    /** Pause before asking again a server that is busy taking this connection over. */
    private static final long BUSY_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /**
     * How long a busy server is asked again: a takeover in progress ends within the server's
     * control timeout (3 s by default), one way or the other.
     */
    private static final long BUSY_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ClientConnection conn;
    private final UnavailableServers quarantine;
    /** The standby link's keeper, or null without the option. */
    private final StandbyLink.Keeper standby;

    MigrationAttempts(ClientConnection conn, UnavailableServers quarantine, StandbyLink.Keeper standby) {
        this.conn = conn;
        this.quarantine = quarantine;
        this.standby = standby;
    }

    /** Tries {@code candidates} in turn: the event of the first success, or of the failure. */
    MigrationEvent run(String from, Deque<String> candidates, String reason) throws IOException {
        long start = System.nanoTime();
        long busyDeadline = start + BUSY_PATIENCE_NANOS;
        // The last answer of each server tried, for the failed event's error.
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, Integer> attempts = new HashMap<>();
        if (candidates.isEmpty()) {
            errors.put(from, "no other server in the pool");
        }
        while (!candidates.isEmpty()) {
            String name = candidates.poll();
            // A server is tried at most twice: once more when another one points at it.
            if (attempts.merge(name, 1, Integer::sum) > MAX_ATTEMPTS_PER_SERVER) {
                continue;
            }
            long t0 = System.nanoTime();
            InetSocketAddress address = conn.addressOf(name);
            try {
                Handshake h;
                boolean switched = false;
                try {
                    h = attempt(name);
                    if (address != null) {
                        quarantine.markAvailable(address);
                    }
                    conn.switchTo(h);
                    switched = true;
                } finally {
                    if (!switched) {
                        conn.unpinAfterMigration(false); // still on the old holder
                    }
                }
                long micros = TimeUnit.NANOSECONDS.toMicros(h.welcomeNanos() - t0);
                MigrationEvent e = new MigrationEvent(conn.id(), from, name, reason, micros, true, Instant.now(), "");
                LOG.debug("connection {} migrated {} -> {} in {} us ({}{})", conn.id(), from, name, micros, reason,
                        h.standby() ? ", standby link" : "");
                return e;
            } catch (RefusedException r) {
                errors.put(name, r.getMessage());
                if (conn.serverFinished()) {
                    // The holder finished sending meanwhile and forgot the connection once its
                    // FIN was acknowledged: that is why this server found nothing to take over.
                    // Not the server's fault (no quarantine), and no other server can do better.
                    errors.put(from, MigrationSupervisor.SERVER_CLOSED);
                    break;
                }
                if (address != null) {
                    ClientConnector.markFailedAttempt(quarantine, address, r);
                }
                if (r.code == ResetCode.STALE_CERTIFICATE && !r.hint.isEmpty() && conn.addressOf(r.hint) != null
                        && attempts.getOrDefault(r.hint, 0) < MAX_ATTEMPTS_PER_SERVER) {
                    // The connection went to r.hint but its WELCOME never reached us (or we gave
                    // up waiting): that server readmits us with the same certificate.
                    candidates.addFirst(r.hint);
                } else if (r.code == ResetCode.BUSY && System.nanoTime() < busyDeadline) {
                    // A takeover of this connection is under way there (maybe our own earlier
                    // attempt): ask again shortly; it ends within the server's control timeout.
                    attempts.merge(name, -1, Integer::sum);
                    LockSupport.parkNanos(BUSY_RETRY_NANOS);
                    candidates.addFirst(name);
                }
            } catch (IOException e) {
                errors.put(name, e.getMessage() == null ? e.toString() : e.getMessage());
                if (address != null && !(e instanceof ProtocolException)) {
                    ClientConnector.markFailedAttempt(quarantine, address, e);
                }
            }
            conn.throwIfFailed();
        }
        StringBuilder error = new StringBuilder();
        errors.forEach((name, message) -> error.append(error.isEmpty() ? "" : "; ").append(name).append(": ")
                .append(message));
        MigrationEvent e = new MigrationEvent(conn.id(), from, from, reason,
                TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start), false, Instant.now(), error.toString());
        LOG.debug("connection {}: migration from {} failed ({}): {}", conn.id(), from, reason, error);
        return e;
    }

    /**
     * One handshake with {@code name}: on the standby link when there is one to it (no TCP
     * handshake), else on a new connection. A standby link that turns out dead (its server gone,
     * the path cut since its last keepalive) costs the attempt nothing: the cold handshake follows.
     * A refusal on it is the server's answer, as on a new connection.
     */
    private Handshake attempt(String name) throws IOException {
        StandbyLink link = standby == null ? null : standby.take(name);
        if (link != null) {
            try {
                return conn.handshake(name, link);
            } catch (RefusedException | ProtocolException e) {
                throw e;
            } catch (IOException e) {
                LOG.debug("connection {}: standby link to {} dead ({}); connecting", conn.id(), name, e.toString());
            }
        }
        return conn.handshake(name, null);
    }
}
