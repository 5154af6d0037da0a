package org.mtcp.cli.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;

/** Writes pool files in the format of docs/pool-file.md. */
public final class PoolFiles {

    private PoolFiles() {}

    /** Writes {@code pool} to {@code file}; returns the file. */
    public static Path write(Path file, PoolConfig pool) throws IOException {
        return write(file, pool, null);
    }

    /** Writes {@code pool} to {@code file} with the line {@code trust file:TRUST} (none when null); returns the file. */
    public static Path write(Path file, PoolConfig pool, Path trust) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# written by a test");
        lines.add("secret hex:" + HexFormat.of().formatHex(pool.secret()));
        if (trust != null) {
            lines.add("trust file:" + trust.toAbsolutePath());
        }
        for (PoolMember m : pool.members()) {
            lines.add("server " + m.name() + " " + hostPort(m.service()) + " " + hostPort(m.control()));
        }
        return Files.write(file, lines);
    }

    private static String hostPort(java.net.InetSocketAddress a) {
        return (a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString()) + ":" + a.getPort();
    }
}
