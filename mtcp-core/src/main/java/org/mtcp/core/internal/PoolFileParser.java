package org.mtcp.core.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;
import org.mtcp.core.ValueSyntax;

/**
 * Parses the pool file format of {@code docs/pool-file.md}: one directive per line,
 * {@code #} comments, blank lines ignored.
 * <pre>
 * secret hex:&lt;hex digits&gt; | base64:&lt;base64&gt; | file:&lt;path&gt;
 * previous-secret &lt;same forms&gt; until &lt;ISO-8601 instant&gt;     (any number; accepted, never used to sign)
 * trust file:&lt;path&gt;                                            (at most one: a PEM bundle of TLS trust anchors)
 * server &lt;name&gt; &lt;service host:port&gt; &lt;control host:port&gt;
 * </pre>
 * Errors are {@link IllegalArgumentException}s naming the file and line.
 *
 * <p>Servers read the whole file ({@link Reader#SERVER}: the secret is required). Clients (the
 * proxy, {@code get}) read it as {@link Reader#CLIENT}: only the members and the trust anchors
 * are needed; a {@code secret} line may be absent, and when present it is not decoded (a
 * {@code file:} secret the client may not read is never opened), only checked to appear at most
 * once; {@code previous-secret} lines are checked for their shape only. Relative {@code file:}
 * paths resolve against the pool file's directory.
 */
public final class PoolFileParser {
    private PoolFileParser() {}

    /** Who reads the file, and so whether the secret is needed. */
    public enum Reader {
        /** A pool member: the secret is required and checked. */
        SERVER,
        /** A client of the pool: the service addresses only; the secret is neither needed nor read. */
        CLIENT
    }

    /** What a file says; the secrets are null / empty when read as {@link Reader#CLIENT}. */
    private record Parsed(byte[] secret, List<PoolConfig.PreviousSecret> previous, Path trust, List<PoolMember> members) {
        PoolConfig pool() {
            return new PoolConfig(secret, members, previous, trust);
        }
    }

    /** Reads and parses {@code file}; an unreadable file is an {@link IOException} saying which and why, once. */
    public static PoolConfig parse(Path file) throws IOException {
        return parse(read(file), file.toString(), file.toAbsolutePath().getParent(), Reader.SERVER).pool();
    }

    /** The members and trust anchors of a pool file as a client reads it ({@link Reader#CLIENT}). */
    public static PoolConfig.ClientView clientView(Path file) throws IOException {
        Parsed p = parse(read(file), file.toString(), file.toAbsolutePath().getParent(), Reader.CLIENT);
        return new PoolConfig.ClientView(p.members(), java.util.Optional.ofNullable(p.trust()));
    }

    /**
     * The members of a pool file as a client reads it ({@link Reader#CLIENT}): no secret needed.
     * Errors as {@link #parse(Path)}.
     */
    public static List<PoolMember> members(Path file) throws IOException {
        return parse(read(file), file.toString(), file.toAbsolutePath().getParent(), Reader.CLIENT).members();
    }

    /** {@link #members(Path)} of {@code lines}; {@code source} names them in errors. */
    public static List<PoolMember> members(List<String> lines, String source) throws IOException {
        return parse(lines, source, null, Reader.CLIENT).members();
    }

    private static List<String> read(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("no pool file " + file, e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read the pool file " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new IOException("cannot read the pool file " + file + ": " + e, e);
        }
    }

    /** Parses {@code lines}; {@code source} names them in errors; secret files resolve against {@code dir}. */
    public static PoolConfig parse(List<String> lines, String source, Path dir) throws IOException {
        return parse(lines, source, dir, Reader.SERVER).pool();
    }

    private static Parsed parse(List<String> lines, String source, Path dir, Reader reader) throws IOException {
        byte[] secret = null;
        int secretLine = 0;
        List<PoolConfig.PreviousSecret> previousSecrets = new ArrayList<>();
        List<Integer> previousLines = new ArrayList<>();
        Path trust = null;
        int trustLine = 0;
        List<PoolMember> members = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        Map<InetSocketAddress, String> addresses = new HashMap<>();   // each address once: "service of s1 (line 2)"
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i);
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] words = line.split("\\s+");
            switch (words[0]) {
                case "secret" -> {
                    if (secretLine != 0) {
                        throw error(source, lineNo, "a second 'secret' (the first is on line " + secretLine + ")");
                    }
                    if (words.length != 2) {
                        throw error(source, lineNo, "expected 'secret hex:...', 'secret base64:...' or 'secret file:PATH'");
                    }
                    if (reader == Reader.SERVER) {
                        secret = secret(words[1], source, lineNo, dir);
                    }
                    secretLine = lineNo;
                }
                case "previous-secret" -> {
                    if (words.length != 4 || !words[2].equals("until")) {
                        throw error(source, lineNo, "expected 'previous-secret hex:...|base64:...|file:PATH until "
                                + "YYYY-MM-DDTHH:MM:SSZ'");
                    }
                    Instant until;
                    try {
                        until = Instant.parse(words[3]);
                    } catch (DateTimeParseException e) {
                        throw error(source, lineNo, "'" + words[3] + "' is not a UTC time like 2026-12-04T12:00:00Z");
                    }
                    if (reader == Reader.SERVER) {
                        byte[] value = secret(words[1], source, lineNo, dir);
                        for (int k = 0; k < previousSecrets.size(); k++) {
                            if (Arrays.equals(previousSecrets.get(k).secret(), value)) {
                                throw error(source, lineNo, "the same previous secret is on line " + previousLines.get(k));
                            }
                        }
                        previousSecrets.add(new PoolConfig.PreviousSecret(value, until));
                        previousLines.add(lineNo);
                    }
                }
                case "trust" -> {
                    if (trustLine != 0) {
                        throw error(source, lineNo, "a second 'trust' (the first is on line " + trustLine
                                + "; put every anchor in one PEM bundle)");
                    }
                    if (words.length != 2 || !words[1].startsWith("file:") || words[1].length() == 5) {
                        throw error(source, lineNo, "expected 'trust file:PATH' (a PEM bundle of CA certificates)");
                    }
                    trust = resolve(words[1].substring(5), dir);
                    if (!Files.isRegularFile(trust)) {
                        throw error(source, lineNo, "no trust anchor file " + trust);
                    }
                    if (!Files.isReadable(trust)) {
                        throw error(source, lineNo, "cannot read the trust anchor file " + trust + ": permission denied");
                    }
                    trustLine = lineNo;
                }
                case "server" -> {
                    if (words.length != 4) {
                        throw error(source, lineNo, "expected 'server NAME SERVICE_HOST:PORT CONTROL_HOST:PORT', got "
                                + (words.length - 1) + " fields");
                    }
                    String name = words[1];
                    Integer previous = names.putIfAbsent(name, lineNo);
                    if (previous != null) {
                        throw error(source, lineNo, "server '" + name + "' is already defined on line " + previous);
                    }
                    InetSocketAddress service = address(words[2], source, lineNo, "service");
                    InetSocketAddress control = address(words[3], source, lineNo, "control");
                    claim(addresses, service, "the service address of '" + name + "' (line " + lineNo + ")", source, lineNo);
                    claim(addresses, control, "the control address of '" + name + "' (line " + lineNo + ")", source, lineNo);
                    try {
                        members.add(new PoolMember(name, service, control));
                    } catch (IllegalArgumentException e) {
                        throw error(source, lineNo, e.getMessage());
                    }
                }
                default -> throw error(source, lineNo, "unknown directive '" + words[0]
                        + "' (expected 'secret', 'previous-secret', 'trust' or 'server')");
            }
        }
        if (secret == null && reader == Reader.SERVER) {
            throw new IllegalArgumentException(source + ": no 'secret' line");
        }
        if (members.isEmpty()) {
            throw new IllegalArgumentException(source + ": no 'server' line");
        }
        if (secret != null) {
            for (int k = 0; k < previousSecrets.size(); k++) {
                if (Arrays.equals(previousSecrets.get(k).secret(), secret)) {
                    throw error(source, previousLines.get(k), "the previous secret is the current secret (line "
                            + secretLine + ")");
                }
            }
        }
        return new Parsed(secret, List.copyOf(previousSecrets), trust, List.copyOf(members));
    }

    private static Path resolve(String path, Path dir) {
        Path p = Path.of(path);
        return !p.isAbsolute() && dir != null ? dir.resolve(p) : p;
    }

    private static byte[] secret(String value, String source, int lineNo, Path dir) throws IOException {
        byte[] secret;
        if (value.startsWith("hex:")) {
            try {
                secret = HexFormat.of().parseHex(value.substring(4));
            } catch (IllegalArgumentException e) {
                throw error(source, lineNo, "the secret is not valid hex: " + e.getMessage());
            }
        } else if (value.startsWith("base64:")) {
            try {
                secret = Base64.getDecoder().decode(value.substring(7));
            } catch (IllegalArgumentException e) {
                throw error(source, lineNo, "the secret is not valid base64: " + e.getMessage());
            }
        } else if (value.startsWith("file:")) {
            Path p = resolve(value.substring(5), dir);
            try {
                secret = Files.readAllBytes(p);
            } catch (IOException e) {
                throw error(source, lineNo, "cannot read the secret file " + p + ": " + e);
            }
            int n = secret.length;
            if (n > 0 && secret[n - 1] == '\n') {
                n--;
                if (n > 0 && secret[n - 1] == '\r') {
                    n--;
                }
            }
            secret = Arrays.copyOf(secret, n);
        } else {
            throw error(source, lineNo, "the secret must start with hex:, base64: or file:");
        }
        if (secret.length < PoolConfig.MIN_SECRET_BYTES) {
            throw error(source, lineNo, "the secret has " + secret.length + " bytes; at least "
                    + PoolConfig.MIN_SECRET_BYTES + " (128 bits) are needed");
        }
        return secret;
    }

    /** {@code host:port}, {@code [v6]:port} ({@link ValueSyntax#hostPort}); port 0 means "any" (tests). */
    static InetSocketAddress address(String s, String source, int lineNo, String what) {
        try {
            return ValueSyntax.hostPort(s, null);
        } catch (IllegalArgumentException e) {
            throw error(source, lineNo, what + " address: " + e.getMessage());
        }
    }

    /**
     * Two servers (or one server's two ports) on one address would each take the other's
     * connections. Port 0 ("any free port", tests) is exempt: the real ports differ.
     */
    private static void claim(Map<InetSocketAddress, String> taken, InetSocketAddress address, String what, String source,
            int lineNo) {
        if (address.getPort() == 0) {
            return;
        }
        String previous = taken.putIfAbsent(address, what);
        if (previous != null) {
            throw error(source, lineNo, ValueSyntax.format(address) + " is " + what + " and also "
                    + previous + "; every address must be different");
        }
    }

    private static IllegalArgumentException error(String source, int lineNo, String message) {
        return new IllegalArgumentException(source + " line " + lineNo + ": " + message);
    }
}
