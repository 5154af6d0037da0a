package org.mtcp.core;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The cooperating servers and the secret they share. The secret authenticates the control
 * channel and signs migration certificates; it must never reach clients.
 *
 * <p>The file format read by {@link #load(Path)} is documented in {@code docs/pool-file.md}.
 */
public record PoolConfig(byte[] secret, List<PoolMember> members) {

    public PoolConfig {
        members = List.copyOf(members);
        secret = secret.clone();
    }

    /** Reads a pool file; a malformed one is an {@link IllegalArgumentException} naming the line. */
    public static PoolConfig load(Path file) throws IOException {
        return org.mtcp.core.internal.PoolFileParser.parse(file);
    }

    public Optional<PoolMember> member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }
}
