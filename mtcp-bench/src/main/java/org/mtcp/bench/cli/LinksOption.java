package org.mtcp.bench.cli;

import java.util.ArrayList;
import java.util.List;
import org.mtcp.bench.Link;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --links plain,tls} and its shorthand {@code --tls}, shared by throughput, migration and frontend. */
final class LinksOption {
    @Option(names = "--links", split = ",", paramLabel = "LINK", converter = BenchConverters.LinkKind.class,
            description = "What the links run over: " + Link.HELP + " (default: plain).")
    List<Link> links;

    @Option(names = "--tls", description = "TLS against plaintext in the same run: short for --links plain,tls.")
    boolean tls;

    /** The links, each once; a usage error (exit 2) otherwise. */
    List<Link> checked(CommandSpec spec) {
        if (tls && links != null) {
            throw new ParameterException(spec.commandLine(), "--tls is short for --links plain,tls: give one of them");
        }
        List<Link> all = tls ? List.of(Link.PLAIN, Link.TLS) : links == null ? List.of(Link.PLAIN) : new ArrayList<>(links);
        try {
            return Link.requireDistinct(all);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
