package org.mtcp.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for servers that another process will bind (a pool file must name them before
 * the processes start). A port from the kernel's ephemeral range, free when asked, can be taken
 * by any outgoing connection before the server binds it (the database pool of a process starting
 * beside it, say); so these ports come from below that range, where only listeners go, and are
 * checked free by binding them once.
 */
public final class FreePorts {

    private static final int LOWEST = 10_000;
    private static final int FALLBACK_EPHEMERAL_START = 32_768;

    private FreePorts() {}

    /** A loopback port below the ephemeral range that nothing listens on now. */
    public static int reserve() {
        int below = ephemeralRangeStart();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (bindable(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port in " + LOWEST + ".." + (below - 1) + " after 200 tries");
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;                   // taken: try another
        }
    }

    /** The start of the kernel's ephemeral port range (Linux); 32768 where it cannot be read. */
    static int ephemeralRangeStart() {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        try {
            int start = Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]);
            return start > LOWEST + 1_000 ? start : FALLBACK_EPHEMERAL_START;
        } catch (IOException | RuntimeException e) {
            return FALLBACK_EPHEMERAL_START;   // not Linux, or an unexpected format: the IANA default
        }
    }
}
