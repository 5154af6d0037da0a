package org.mtcp.core;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The identity of one logical M-TCP connection: 128 random bits chosen by the first server.
 * It survives every migration; the epoch, not the id, tells holders apart.
 */
public record ConnectionId(long high, long low) {

    private static final SecureRandom RANDOM = new SecureRandom();

    public static ConnectionId random() {
        return new ConnectionId(RANDOM.nextLong(), RANDOM.nextLong());
    }

    /** Parses the 32 hex digits that {@link #toString()} prints. */
    public static ConnectionId parse(String hex) {
        if (hex == null || hex.length() != 32) {
            throw new IllegalArgumentException("connection id must be 32 hex digits: " + hex);
        }
        try {
            return new ConnectionId(
                    HexFormat.fromHexDigitsToLong(hex, 0, 16), HexFormat.fromHexDigitsToLong(hex, 16, 32));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("connection id must be 32 hex digits: " + hex, e);
        }
    }

    @Override
    public String toString() {
        HexFormat format = HexFormat.of();
        return format.toHexDigits(high) + format.toHexDigits(low);
    }
}
