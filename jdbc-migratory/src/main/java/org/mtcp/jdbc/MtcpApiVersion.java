package org.mtcp.jdbc;

/**
 * The version of the database's mtcp SQL API ({@code mtcp.api_version()}) this library needs:
 * 0.2, whose transaction ids carry their timeline ({@link TxId}). A database with 0.1 is updated
 * by {@code ALTER EXTENSION mtcp UPDATE}, or by the sql module's migration V0.2.
 */
public final class MtcpApiVersion {

    /** The oldest API version this library works with. */
    public static final String REQUIRED = "0.2";

    private MtcpApiVersion() {
    }

    /** Whether {@code version} (e.g. "0.2", "0.10") is at least {@link #REQUIRED}. */
    public static boolean isSupported(String version) {
        String[] have = version.split("\\.");
        String[] need = REQUIRED.split("\\.");
        for (int i = 0; i < Math.max(have.length, need.length); i++) {
            int h = i < have.length ? Integer.parseInt(have[i]) : 0;
            int n = i < need.length ? Integer.parseInt(need[i]) : 0;
            if (h != n) {
                return h > n;
            }
        }
        return true;
    }
}
