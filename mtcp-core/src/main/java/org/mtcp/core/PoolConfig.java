package org.mtcp.core;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The cooperating servers and the secret they share. The secret authenticates the control
 * channel and signs migration certificates; it must never reach clients.
 *
 * <p>The file format read by {@link #load(Path)} is documented in {@code docs/pool-file.md}.
 * Programmatic pools (tests) use the constructor and {@link #withMember(PoolMember)}.
 */
public record PoolConfig(byte[] secret, List<PoolMember> members) {

    /** Shortest secret accepted: 128 bits. */
    public static final int MIN_SECRET_BYTES = 16;

    public PoolConfig {
        Objects.requireNonNull(secret, "secret");
        members = List.copyOf(members);
        secret = secret.clone();
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the pool secret must have at least " + MIN_SECRET_BYTES
                    + " bytes (128 bits), not " + secret.length);
        }
        Set<String> names = new HashSet<>();
        for (PoolMember m : members) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("two servers named '" + m.name() + "' in the pool");
            }
        }
    }

    /** Reads a pool file; a malformed one is an {@link IllegalArgumentException} naming the line. */
    public static PoolConfig load(Path file) throws IOException {
        return org.mtcp.core.internal.PoolFileParser.parse(file);
    }

    /**
     * The members of a pool file as a client (proxy, {@code get}) reads it: the service addresses
     * are what it needs; the file may have no {@code secret} line, and one it has is not read.
     * Errors as {@link #load(Path)}.
     */
    public static List<PoolMember> loadMembers(Path file) throws IOException {
        return org.mtcp.core.internal.PoolFileParser.members(file);
    }

    public Optional<PoolMember> member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** This pool with {@code member} added, or replacing the member of the same name. */
    public PoolConfig withMember(PoolMember member) {
        List<PoolMember> next = new ArrayList<>();
        boolean replaced = false;
        for (PoolMember m : members) {
            if (m.name().equals(member.name())) {
                next.add(member);
                replaced = true;
            } else {
                next.add(m);
            }
        }
        if (!replaced) {
            next.add(member);
        }
        return new PoolConfig(secret, next);
    }

    /** This pool without the member named {@code name} (which must be there; one must remain). */
    public PoolConfig withoutMember(String name) {
        if (member(name).isEmpty()) {
            throw new IllegalArgumentException("no server named '" + name + "' in the pool");
        }
        return new PoolConfig(secret, members.stream().filter(m -> !m.name().equals(name)).toList());
    }

    /** The service addresses, in pool order: what a client connects to. */
    public List<java.net.InetSocketAddress> serviceAddresses() {
        return members.stream().map(PoolMember::service).toList();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolConfig p && java.util.Arrays.equals(secret, p.secret) && members.equals(p.members);
    }

    @Override
    public int hashCode() {
        return members.hashCode();
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "PoolConfig" + members;
    }
}
