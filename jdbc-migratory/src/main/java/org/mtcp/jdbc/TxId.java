package org.mtcp.jdbc;

import java.util.Objects;

/**
 * A transaction id: PostgreSQL's {@code xid8}, the 64-bit id that never wraps around (epoch and
 * 32-bit xid), as {@code mtcp.begin} returns it. This is the paper's {@code tid}: the front-end
 * records it in its snapshot, and the front-end that takes over asks for its outcome.
 *
 * <p>Held as an unsigned 64-bit value; its text form is the decimal number PostgreSQL prints.
 *
 * @param value the {@code xid8}, unsigned
 */
public record TxId(long value) implements Comparable<TxId> {

    /** Parses the decimal text of an {@code xid8}; rejects anything else with a message that names it. */
    public static TxId parse(String text) {
        Objects.requireNonNull(text, "transaction id");
        if (text.isEmpty() || text.length() > 20 || !text.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw new IllegalArgumentException("malformed transaction id \"" + text + "\": expected the decimal xid8 mtcp.begin returned");
        }
        try {
            return new TxId(Long.parseUnsignedLong(text));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed transaction id \"" + text + "\": larger than 64 bits", e);
        }
    }

    @Override
    public int compareTo(TxId other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return Long.toUnsignedString(value);
    }
}
