package org.mtcp.core;

/**
 * A snapshot of a server's counters.
 *
 * @param accepted new connections accepted
 * @param migratedIn connections taken over from another server
 * @param migratedOut connections handed to another server
 * @param rejected handshakes refused (bad certificate, unknown connection, garbage, limits)
 * @param open connections currently held
 * @param standbyLinks clients' standby links open here now (idle, authenticated; docs/protocol.md)
 * @param migratedInOnStandby takeovers whose HELLO came on a standby link (no TCP handshake)
 * @param takenOverFromReplica takeovers from a replica kept here, the holder being unreachable
 *     (replicated transfer: a failover after the holder died); counted in {@code migratedIn} too
 * @param replicasKept replicas of other holders' connections kept here now (replicated transfer)
 * @param migratedInFromReplica planned migrations resumed from the replica kept here, without
 *     asking the live holder (replicated transfer, docs/protocol.md 10); counted in {@code migratedIn}
 * @param statesHandedOut FETCHes this server answered with a connection's state (lazy transfer, or
 *     replicated transfer asking the holder first)
 */
public record ServerStats(long accepted, long migratedIn, long migratedOut, long rejected, int open,
        int standbyLinks, long migratedInOnStandby, long takenOverFromReplica, int replicasKept,
        long migratedInFromReplica, long statesHandedOut) {

    /** The nine counters of before the migration to a replica. */
    public ServerStats(long accepted, long migratedIn, long migratedOut, long rejected, int open,
            int standbyLinks, long migratedInOnStandby, long takenOverFromReplica, int replicasKept) {
        this(accepted, migratedIn, migratedOut, rejected, open, standbyLinks, migratedInOnStandby,
                takenOverFromReplica, replicasKept, 0, 0);
    }

    /** The seven counters of before replicated transfer. */
    public ServerStats(long accepted, long migratedIn, long migratedOut, long rejected, int open,
            int standbyLinks, long migratedInOnStandby) {
        this(accepted, migratedIn, migratedOut, rejected, open, standbyLinks, migratedInOnStandby, 0, 0);
    }

    /** The five counters of before the standby link. */
    public ServerStats(long accepted, long migratedIn, long migratedOut, long rejected, int open) {
        this(accepted, migratedIn, migratedOut, rejected, open, 0, 0);
    }
}
