package org.mtcp.core.internal.server;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.cert.Certificate;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.Wire;

/**
 * What a server connection keeps an eye on between frames: whether its client is linked, gone
 * (an orphan, waiting for it to come back) or silent on DATA it owes an acknowledgement for; its
 * certificate and when to refresh it; the control frames it owes the client (PONG, CERT,
 * MIGRATE_REQUEST: {@link #nextControlFrame}).
 * The housekeeping sweep asks {@link #tick} what is due. Guarded by the connection's lock, except
 * {@link #quiet}, read by the sweep without it.
 */
final class ClientWatch {

    /** What the sweep found due. */
    enum Due { NOTHING, ORPHAN_EXPIRED, CLIENT_SILENT }

    private final ServerEngine engine;
    private final ConnectionId id;
    private final long epoch;

    private long orphanSinceNanos = -1;
    /**
     * Until then {@link #tick} has nothing to do (no orphan deadline, no certificate refresh due),
     * so the sweep passes an idle connection with one read, without its lock; 0 makes the next
     * tick look (set whenever the link, the orphan state or the certificate changes).
     */
    private volatile long quietUntilNanos;
    /**
     * Since when the client owes an acknowledgement (DATA sent on the link and not all
     * acknowledged; -1: nothing owed). Clients acknowledge within milliseconds, so
     * {@code missedKeepalives x keepaliveInterval} of this means the client or its path is gone,
     * whatever its idle keepalive ceiling (the link reader's timeout).
     */
    private long ackOwedSince = -1;
    private Certificate certificate;
    private boolean certDue;
    private String migrateTarget;
    private String migrateReason;

    ClientWatch(ServerEngine engine, ConnectionId id, long epoch) {
        this.engine = engine;
        this.id = id;
        this.epoch = epoch;
    }

    /** True while the sweep has nothing to look at (no lock needed). */
    boolean quiet(long nowNanos) {
        return nowNanos - quietUntilNanos < 0;
    }

    /** A client link was attached. */
    void linked() {
        orphanSinceNanos = -1;
        ackOwedSince = -1;
        quietUntilNanos = 0;
    }

    /** The client's link is gone; the connection waits for it. */
    void orphaned(long nowNanos) {
        orphanSinceNanos = nowNanos;
        quietUntilNanos = 0;
    }

    /** DATA went out: the client owes an acknowledgement from now, if it owed none. */
    void dataSent(long nowNanos) {
        if (ackOwedSince < 0) {
            ackOwedSince = nowNanos;
            quietUntilNanos = 0; // the sweep now watches this connection
        }
    }

    /** The client acknowledged new bytes: the clock restarts for what is still owed, if any. */
    void acknowledged(boolean stillOwed, long nowNanos) {
        ackOwedSince = stillOwed ? nowNanos : -1;
    }

    /** The connection is over: the sweep never looks again. */
    void over() {
        quietUntilNanos = Long.MAX_VALUE;
    }

    Certificate certificate() {
        return certificate;
    }

    void certificate(Certificate c) {
        certificate = c;
        quietUntilNanos = 0;
    }

    /** A fresh certificate for the client, sent with the next frames (CERT). */
    void issueCertificate() {
        // bound to the key of the certificate it replaces (the client's, from its HELLO{new})
        certificate = engine.certificates().issue(id, epoch, engine.name(),
                certificate == null ? new byte[0] : certificate.clientKey());
        certDue = true;
    }

    /**
     * The next control frame owed the client on {@code l}, or null: its PONGs first, then a new
     * certificate (with the pool's peers for a client that reads them), then a migration request;
     * each once.
     */
    Frame nextControlFrame(ServerLink l) {
        Long nonce = l.nextPong();
        if (nonce != null) {
            return new Frame.Pong(nonce);
        }
        if (certDue && certificate != null) {
            certDue = false;
            List<Frame.Peer> peers = l.clientVersion >= Wire.CERT_PEERS_VERSION ? engine.announcedPeers() : List.of();
            return new Frame.Cert(certificate.encode(), peers);
        }
        if (migrateTarget != null) {
            String target = migrateTarget;
            migrateTarget = null;
            return new Frame.MigrateRequest(target, migrateReason);
        }
        return null;
    }

    void requestMigration(String target, String reason) {
        migrateTarget = target;
        migrateReason = reason;
    }

    /** How long the client has owed an acknowledgement, for messages. */
    long owedMillis(long nowNanos) {
        return TimeUnit.NANOSECONDS.toMillis(nowNanos - ackOwedSince);
    }

    /**
     * The sweep's look at a live connection: refreshes the certificate at half its life (CERT
     * owed), and says whether the orphan's time is up or the linked client is silent on what it
     * owes; remembers until when nothing will be due.
     */
    Due tick(long nowNanos, long orphanTimeoutNanos, boolean linked) {
        if (!linked && orphanSinceNanos >= 0 && nowNanos - orphanSinceNanos > orphanTimeoutNanos) {
            return Due.ORPHAN_EXPIRED;
        }
        long quiet = Long.MAX_VALUE;
        Certificate c = certificate;
        if (c != null && linked) {
            long halfLife = engine.certificates().lifetime().toMillis() / 2;
            long untilRefresh = c.expiresAtMillis() - halfLife - engine.clock().millis();
            if (untilRefresh <= 0) {
                issueCertificate();
                untilRefresh = engine.certificates().lifetime().toMillis() - halfLife;
            }
            // A clock other than the system's (a test's) may jump: look again every second then.
            boolean systemClock = engine.clock().equals(Clock.systemUTC()) || engine.clock().equals(Clock.systemDefaultZone());
            quiet = nowNanos + TimeUnit.MILLISECONDS.toNanos(systemClock ? untilRefresh : Math.min(untilRefresh, 1000));
        }
        if (linked && ackOwedSince >= 0) {
            long silenceNanos = engine.options().keepaliveInterval().toNanos() * engine.options().missedKeepalives();
            if (nowNanos - ackOwedSince >= silenceNanos) {
                return Due.CLIENT_SILENT;
            }
            quiet = Math.min(quiet, ackOwedSince + silenceNanos);
        }
        if (!linked && orphanSinceNanos >= 0) {
            quiet = Math.min(quiet, orphanSinceNanos + orphanTimeoutNanos);
        }
        quietUntilNanos = quiet;
        return Due.NOTHING;
    }
}
