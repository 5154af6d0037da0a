package org.mtcp.core.internal.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.mtcp.core.ServerStats;

/** A server's counters, as {@link ServerStats} reports them; updated by the engine and its handshakes. */
final class ServerCounters {

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong migratedIn = new AtomicLong();
    private final AtomicLong migratedOut = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong migratedInOnStandby = new AtomicLong();
    private final AtomicLong takenOverFromReplica = new AtomicLong();
    private final AtomicLong migratedInFromReplica = new AtomicLong();
    private final AtomicLong statesHandedOut = new AtomicLong();
    private final AtomicInteger standbyLinks = new AtomicInteger();

    void accepted() {
        accepted.incrementAndGet();
    }

    void rejected() {
        rejected.incrementAndGet();
    }

    /** A connection taken over here, from {@code source}, over a standby link or not. */
    void migratedIn(boolean onStandby, TakeoverReplicas.Source source) {
        migratedIn.incrementAndGet();
        switch (source) {
            case REPLICA_OF_FAILED_HOLDER -> takenOverFromReplica.incrementAndGet();
            case REPLICA_CLAIMED -> migratedInFromReplica.incrementAndGet();
            case HOLDER -> { }
        }
        if (onStandby) {
            migratedInOnStandby.incrementAndGet();
        }
    }

    /** A connection that left: handed out to a FETCH ({@code handedOut}), or superseded by a replica's takeover. */
    void migratedOut(boolean handedOut) {
        if (handedOut) {
            statesHandedOut.incrementAndGet();
        }
        migratedOut.incrementAndGet();
    }

    void standbyOpened() {
        standbyLinks.incrementAndGet();
    }

    void standbyClosed() {
        standbyLinks.decrementAndGet();
    }

    ServerStats stats(int active, int replicasKept) {
        return new ServerStats(accepted.get(), migratedIn.get(), migratedOut.get(), rejected.get(), active,
                standbyLinks.get(), migratedInOnStandby.get(), takenOverFromReplica.get(), replicasKept,
                migratedInFromReplica.get(), statesHandedOut.get());
    }
}
