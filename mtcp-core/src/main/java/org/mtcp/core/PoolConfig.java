package org.mtcp.core;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
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
 * <p>During a rotation the pool also names {@linkplain #previousSecrets() secrets still accepted}
 * until a stated time: certificates and control proofs are made with {@link #secret()} only, and
 * checked against it and every accepted secret not past its {@code until}. The pool may name the
 * {@linkplain #trustAnchors() trust anchors} of its TLS links (a PEM bundle).
 *
 * <p>The file format read by {@link #load(Path)} is documented in {@code docs/pool-file.md}.
 * Programmatic pools (tests) use the constructor and {@link #withMember(PoolMember)}.
 *
 * @param trustFile the PEM bundle of trust anchors, or null when the pool file names none
 */
public record PoolConfig(byte[] secret, List<PoolMember> members, List<PreviousSecret> previousSecrets,
        Path trustFile) {

    /** Shortest secret accepted: 128 bits. */
    public static final int MIN_SECRET_BYTES = 16;

    /**
     * A secret still accepted (never used to sign) until {@code until}: the old one after a
     * rotation, or the next one before servers start signing with it. Never printed.
     */
    public record PreviousSecret(byte[] secret, Instant until) {
        public PreviousSecret {
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(until, "until");
            secret = secret.clone();
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("a previous pool secret must have at least " + MIN_SECRET_BYTES
                        + " bytes (128 bits), not " + secret.length);
            }
        }

        @Override
        public byte[] secret() {
            return secret.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PreviousSecret p && java.util.Arrays.equals(secret, p.secret) && until.equals(p.until);
        }

        @Override
        public int hashCode() {
            return until.hashCode();
        }

        @Override
        public String toString() {
            return "previous secret accepted until " + until;
        }
    }

    /** What a client (proxy, {@code get}) reads of a pool file: the members and the trust anchors. */
    public record ClientView(List<PoolMember> members, Optional<Path> trustAnchors) {
        public ClientView {
            members = List.copyOf(members);
            Objects.requireNonNull(trustAnchors, "trustAnchors");
        }
    }

    /** A pool with one secret and no trust anchors (programmatic pools, tests). */
    public PoolConfig(byte[] secret, List<PoolMember> members) {
        this(secret, members, List.of(), null);
    }

    public PoolConfig {
        Objects.requireNonNull(secret, "secret");
        members = List.copyOf(members);
        previousSecrets = List.copyOf(previousSecrets);
        secret = secret.clone();
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the pool secret must have at least " + MIN_SECRET_BYTES
                    + " bytes (128 bits), not " + secret.length);
        }
        for (PreviousSecret p : previousSecrets) {
            if (java.util.Arrays.equals(p.secret, secret)) {
                throw new IllegalArgumentException("a previous pool secret is the same as the current one");
            }
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

    /**
     * What a client reads of a pool file: the members and the {@code trust} line's anchors (the
     * secrets are neither needed nor read). Errors as {@link #load(Path)}.
     */
    public static ClientView loadClientView(Path file) throws IOException {
        return org.mtcp.core.internal.PoolFileParser.clientView(file);
    }

    /** The PEM bundle of trust anchors the pool file names ({@code trust file:PATH}), if any. */
    public Optional<Path> trustAnchors() {
        return Optional.ofNullable(trustFile);
    }

    /** This pool with other secrets (a rotation); the members and trust anchors are kept. */
    public PoolConfig withSecrets(byte[] current, List<PreviousSecret> previous) {
        return new PoolConfig(current, members, previous, trustFile);
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
        return new PoolConfig(secret, next, previousSecrets, trustFile);
    }

    /** This pool without the member named {@code name} (which must be there; one must remain). */
    public PoolConfig withoutMember(String name) {
        if (member(name).isEmpty()) {
            throw new IllegalArgumentException("no server named '" + name + "' in the pool");
        }
        return new PoolConfig(secret, members.stream().filter(m -> !m.name().equals(name)).toList(), previousSecrets,
                trustFile);
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
        return o instanceof PoolConfig p && java.util.Arrays.equals(secret, p.secret) && members.equals(p.members)
                && previousSecrets.equals(p.previousSecrets) && Objects.equals(trustFile, p.trustFile);
    }

    @Override
    public int hashCode() {
        return members.hashCode();
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "PoolConfig" + members + (previousSecrets.isEmpty() ? "" : " " + previousSecrets)
                + (trustFile == null ? "" : " trust " + trustFile);
    }
}
