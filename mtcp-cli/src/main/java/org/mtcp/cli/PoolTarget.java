package org.mtcp.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;
import org.mtcp.core.ValueSyntax;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * Where a client tool finds the pool: a pool file read as a client reads it (only the service
 * addresses: the file needs no {@code secret} line, and one it has is not read) or service
 * addresses on the command line. Used as an
 * exclusive argument group: exactly one of {@code --pool} and {@code --server}.
 */
public final class PoolTarget {

    @Option(names = "--pool", paramLabel = "FILE", required = true,
            description = "Pool file (docs/pool-file.md); only the servers' service addresses are read.")
    Path poolFile;

    @Option(names = "--server", paramLabel = "HOST:PORT", required = true,
            converter = Converters.HostPort.class,
            description = "Service address of a pool server, instead of --pool; repeatable.")
    List<InetSocketAddress> servers;

    /** The service addresses, each with a label for logs, and the pool file's TLS trust anchors if it names them. */
    public record Resolved(List<InetSocketAddress> addresses, List<String> labels, Optional<Path> trustAnchors) {}

    /** Reads the pool; a bad file is a usage error (exit code 2). */
    public Resolved resolve(CommandSpec spec) {
        if (servers != null && !servers.isEmpty()) {
            return new Resolved(List.copyOf(servers), servers.stream().map(PoolTarget::format).toList(), Optional.empty());
        }
        PoolConfig.ClientView view = usageErrorOnFailure(spec, () -> PoolConfig.loadClientView(poolFile));
        List<PoolMember> members = view.members();
        List<InetSocketAddress> addresses = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (PoolMember m : members) {
            addresses.add(m.service());
            labels.add(m.name() + "@" + format(m.service()));
        }
        if (addresses.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "pool file " + poolFile + " lists no server");
        }
        return new Resolved(addresses, labels, view.trustAnchors());
    }

    /** Loads a pool file for a server (the secret is required), turning any problem into a one-line usage error. */
    public static PoolConfig loadPool(CommandSpec spec, Path file) {
        return usageErrorOnFailure(spec, () -> PoolConfig.load(file));
    }

    private interface Load<T> {
        T load() throws IOException;
    }

    private static <T> T usageErrorOnFailure(CommandSpec spec, Load<T> load) {
        try {
            return load.load();
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());   // names the file and why
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid pool file: " + e.getMessage());
        }
    }

    public static String format(InetSocketAddress a) {
        return ValueSyntax.format(a);
    }
}
