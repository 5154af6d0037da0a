package org.mtcp.core;

import java.lang.management.ManagementFactory;
import java.util.Optional;

/**
 * The process's file descriptor limit against what its configured connections need: a server
 * holds one descriptor per connection, the proxy two (the local socket and its M-TCP link), and
 * a process needs some for itself (jars, listeners, database connections). Checked at start-up
 * by {@code ./mtcp frontend} and {@code ./mtcp proxy}, which print the warning; the JVM has
 * already raised its soft limit to the hard one.
 */
public final class FileDescriptors {

    /** Descriptors a process keeps for itself besides its connections. */
    public static final int RESERVE = 256;

    private FileDescriptors() {}

    /** The process's limit, or -1 where the platform does not say. */
    public static long limit() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u
                ? u.getMaxFileDescriptorCount() : -1;
    }

    /**
     * A one-line warning when {@code limit} is below what {@code connections} connections of
     * {@code perConnection} descriptors each need (plus {@link #RESERVE}); empty when it suffices
     * or is unknown ({@code limit < 0}). {@code what} says where the number of connections comes
     * from; {@code alternative} (may be empty) how else to fix it.
     */
    public static Optional<String> shortfall(long limit, int connections, int perConnection, String what,
            String alternative) {
        long needed = (long) connections * perConnection + RESERVE;
        if (limit < 0 || limit >= needed) {
            return Optional.empty();
        }
        long fits = Math.max(0, (limit - RESERVE) / perConnection);
        return Optional.of("warning: the file descriptor limit is " + limit + ", below the " + needed + " needed for "
                + connections + " connections (" + what + "; " + perConnection + " per connection + " + RESERVE
                + "): about " + fits + " connections fit; raise the limit (ulimit -n " + needed
                + ", or LimitNOFILE= for a systemd service)" + (alternative.isEmpty() ? "" : " or " + alternative));
    }
}
