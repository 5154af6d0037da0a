package org.mtcp.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.mtcp.cli.get.GetResult;
import org.mtcp.cli.get.HttpGet;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.policy.MigrationPolicy;
import org.mtcp.core.policy.Policies;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.core.tls.TlsFlags;
import org.mtcp.proxy.EventLog;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mtcp get}: fetches one path from the pool over a migratory connection. */
@Command(
        name = "get",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Fetches PATH over HTTP/1.1 from the pool through one migratory (M-TCP) connection and prints "
                    + "one JSON line on stdout, e.g.",
            "  {\"status\":200,\"bytes\":4194304,\"sha256\":\"9f86d0...\",\"migrations\":5,",
            "   \"servers\":[\"s1\",\"s2\"],\"seconds\":1.234,\"cid\":\"5be1...\"}",
            "Each migration is also reported on stderr.",
            "",
            "TLS 1.3 to every server: the servers' certificates must chain to the pool file's 'trust file:' "
                    + "anchors or --tls-trust (with --server, --tls-trust is needed); --tls-cert/--tls-key (or "
                    + "--tls-keystore) add a client certificate (optional). --plaintext runs without TLS (a warning "
                    + "on stderr).",
            "",
            "Exit codes: 0 success (2xx), 1 failure (pool unreachable, malformed or truncated response; "
                    + "message on stderr), 2 bad arguments, 3 a non-2xx status (the JSON line is printed).",
            ""})
public final class GetCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = "Path to fetch, e.g. /big.bin.")
    String path;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PoolTarget pool;

    @Option(names = "--policy", paramLabel = "SPEC", showDefaultValue = Help.Visibility.NEVER,
            converter = Converters.PolicyConverter.class,
            description = "Migration policy, repeatable: rate (the paper's inbound-rate policy), "
                    + "response-time:500ms, silence:2s, rtt:200ms, holder-failure. All specs: " + Policies.SPECS
                    + ". Default: none; a connection still moves when its server asks or fails.")
    List<Supplier<MigrationPolicy>> policies = new ArrayList<>();

    @Option(names = "--migrate-every", paramLabel = "BYTES", defaultValue = "0",
            converter = Converters.ByteSize.class,
            description = "Also migrate explicitly each time this many more body bytes have arrived (0: never).")
    long migrateEvery;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write the body to FILE (removed again if the transfer fails).")
    Path output;

    @Option(names = "--host", paramLabel = "HOST",
            description = "Host header; default: the first server's service address.")
    String host;

    @Mixin
    TlsOptions tls;

    @Override
    public Integer call() throws Exception {
        String target = path.startsWith("/") ? path : "/" + path;
        if (target.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "PATH must not contain spaces or control characters (percent-encode them)");
        }
        PoolTarget.Resolved resolved = pool.resolve(spec);
        String hostHeader = host != null ? host : PoolTarget.format(resolved.addresses().get(0));
        Optional<TlsConfig> tlsConfig = tls.load(spec, TlsFlags.Side.CLIENT, resolved.trustAnchors());
        ClientOptions options = ClientOptions.defaults().withPolicies(policies);
        options = tlsConfig.isPresent() ? options.withTls(tlsConfig.get()) : options.withPlaintext();
        EventLog events = new EventLog(System.err);
        if (tlsConfig.isEmpty()) {
            events.log(TlsFlags.PLAINTEXT_WARNING);
        }
        HttpGet get = new HttpGet(resolved.addresses(), options,
                hostHeader, migrateEvery, e -> report(events, e));
        GetResult result;
        try (OutputStream out = output == null ? null : Files.newOutputStream(output)) {
            result = get.fetch(target, out);
        } catch (IOException | RuntimeException e) {
            if (output != null) {
                Files.deleteIfExists(output);
            }
            System.err.println("mtcp get: " + target + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        }
        System.out.println(result.toJson());
        System.out.flush();
        if (result.status() / 100 != 2) {
            System.err.println("mtcp get: " + target + ": HTTP status " + result.status());
            return 3;
        }
        return 0;
    }

    private static void report(EventLog events, MigrationEvent e) {
        events.log((e.succeeded() ? "migration" : "migration-failed") + " cid=" + e.connectionId()
                + " from=" + e.from() + (e.succeeded() ? " to=" + e.to() : "") + " micros=" + e.micros()
                + " reason=" + e.reason() + (e.error().isEmpty() ? "" : " -- " + e.error()));
    }
}
