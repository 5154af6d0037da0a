package org.mtcp.jdbc;

import java.util.Objects;

/**
 * A transaction id: the timeline the transaction began on and its {@code xid8}, the 64-bit id
 * that never wraps around, as {@code mtcp.timeline()} and {@code mtcp.begin} give them. This is
 * the paper's {@code tid}: the front-end records it in its snapshot, and the front-end that takes
 * over asks for its outcome.
 *
 * <p>The xid8 alone names a transaction on one timeline only: after a standby is promoted, the new
 * primary can hand out again the number of a transaction whose commit never reached it. With its
 * timeline, the id names that one transaction on every server of the database's history
 * (docs/database.md, "Transaction ids across a promotion").
 *
 * <p>Text form {@code timeline:xid}, both decimal, e.g. {@code 1:771}. The bare {@code xid} of
 * mtcp 0.1 (an old front-end's snapshot) parses as an {@linkplain #isQualified() unqualified} id,
 * timeline {@value #UNQUALIFIED}: the database reads it as its current timeline's transaction, as
 * 0.1 did.
 *
 * @param timeline the timeline, 1 to 2<sup>32</sup>-1, or {@value #UNQUALIFIED} for a bare xid
 * @param xid the {@code xid8}, unsigned
 */
public record TxId(long timeline, long xid) implements Comparable<TxId> {

    /** The timeline of a bare xid (mtcp 0.1's form): whichever the database is on. */
    public static final long UNQUALIFIED = 0;

    private static final long MAX_TIMELINE = 0xFFFF_FFFFL;

    public TxId {
        if (timeline < 0 || timeline > MAX_TIMELINE) {
            throw new IllegalArgumentException("timeline " + timeline + " out of range (0 to " + MAX_TIMELINE + ")");
        }
    }

    /** A bare xid (mtcp 0.1): the transaction with that number on the database's current timeline. */
    public static TxId unqualified(long xid) {
        return new TxId(UNQUALIFIED, xid);
    }

    /** Whether the id names its timeline (mtcp 0.2) rather than being a bare xid. */
    public boolean isQualified() {
        return timeline != UNQUALIFIED;
    }

    /** Parses {@code timeline:xid} or a bare xid; rejects anything else with a message that names it. */
    public static TxId parse(String text) {
        Objects.requireNonNull(text, "transaction id");
        int colon = text.indexOf(':');
        String timelineText = colon < 0 ? null : text.substring(0, colon);
        String xidText = colon < 0 ? text : text.substring(colon + 1);
        if (!decimal(xidText, 20) || (timelineText != null && !decimal(timelineText, 10))) {
            throw malformed(text, "expected timeline:xid as mtcp.timeline() and mtcp.begin give them", null);
        }
        long timeline = UNQUALIFIED;
        if (timelineText != null) {
            timeline = Long.parseLong(timelineText);
            if (timeline < 1 || timeline > MAX_TIMELINE) {
                throw malformed(text, "timeline out of range (1 to " + MAX_TIMELINE + ")", null);
            }
        }
        try {
            return new TxId(timeline, Long.parseUnsignedLong(xidText));
        } catch (NumberFormatException e) {
            throw malformed(text, "xid larger than 64 bits", e);
        }
    }

    private static boolean decimal(String s, int maxDigits) {
        return !s.isEmpty() && s.length() <= maxDigits && s.chars().allMatch(ch -> ch >= '0' && ch <= '9');
    }

    private static IllegalArgumentException malformed(String text, String why, Throwable cause) {
        return new IllegalArgumentException("malformed transaction id \"" + text + "\": " + why, cause);
    }

    /** By timeline, then by xid (unsigned): the order of a history, where timelines only grow. */
    @Override
    public int compareTo(TxId other) {
        int byTimeline = Long.compare(timeline, other.timeline);
        return byTimeline != 0 ? byTimeline : Long.compareUnsigned(xid, other.xid);
    }

    /** {@code timeline:xid}, or the bare xid when unqualified: what {@link #parse} reads. */
    @Override
    public String toString() {
        String x = Long.toUnsignedString(xid);
        return isQualified() ? timeline + ":" + x : x;
    }
}
