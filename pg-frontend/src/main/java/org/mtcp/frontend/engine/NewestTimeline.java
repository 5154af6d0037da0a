package org.mtcp.frontend.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The newest primary timeline this front-end has seen: of a server it connected to, of a
 * transaction it began, of a transaction id in a snapshot it resumed from. A promoted standby
 * writes on a new timeline (timeline + 1), and the database's history goes on there only; a
 * primary on an older timeline is an old primary started again without {@code pg_rewind} (a split
 * brain), whose commits the promoted database will never see. The front-end uses no such server:
 * the pool does not connect to it ({@code FailoverDataSource}) and a transaction begun on it is
 * abandoned ({@link DatabaseGate#requireNewest}).
 *
 * <p>Per front-end, not per process: one JVM may run front-ends of unrelated databases (tests).
 * Not persisted: a front-end started after a failover, or one that never reached the new primary,
 * knows only what it sees (docs/database.md, "The old primary").
 */
public final class NewestTimeline {

    private final AtomicLong newest = new AtomicLong();

    /** Records {@code timeline} (0: unknown, ignored). */
    public void saw(long timeline) {
        newest.accumulateAndGet(timeline, Math::max);
    }

    /** The newest timeline seen; 0 when none yet. */
    public long newest() {
        return newest.get();
    }

    /** Whether a primary on {@code timeline} is behind the newest one seen: an old primary. */
    public boolean isBehind(long timeline) {
        return timeline > 0 && timeline < newest.get();
    }
}
