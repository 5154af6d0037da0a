package org.mtcp.cli;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationLimits;
import org.mtcp.core.policy.MigrationPolicy;
import org.mtcp.core.policy.Policies;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.core.tls.TlsFlags;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mtcp proxy}: gives unmodified TCP clients a migratory connection to the pool. */
@Command(
        name = "proxy",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Client-side proxy: every TCP connection accepted on --listen is carried to the pool over one "
                    + "migratory (M-TCP) connection, so unmodified clients (curl, browsers) get migration.",
            "",
            "Bytes are relayed both ways with half-close. The connection to the pool moves between servers "
                    + "when a --policy triggers, when a server asks (draining), or when its server fails "
                    + "(holder-failure policy); the local client never notices. The proxy needs only the "
                    + "servers' service addresses, never the pool secret.",
            "",
            "A connection whose server dies (killed, stopped, unreachable) survives when the servers run with "
                    + "--state-transfer replicated: it resumes on a replica without a lost or repeated byte. Nothing "
                    + "to set here, the proxy follows what the servers replicate; with lazy transfer (the servers' "
                    + "default) the connection is lost and its client sees the TCP connection close. A stopped or "
                    + "silent server is given up after 5s of silence during a transfer (4 missed keepalives of 1s); the "
                    + "replica then waits out the servers' control timeout (3s) asking it before it resumes.",
            "",
            "Prints a startup line with the bound address, then one line per connection opened and closed "
                    + "and one per migration (connection, from, to, microseconds, reason).",
            "",
            "With --pool, SIGHUP reloads the pool file: new connections use the new member list (one line says "
                    + "what changed; a bad file keeps the old pool). New connections try servers that are draining "
                    + "or unreachable last (--avoid-unavailable).",
            "",
            "TLS 1.3 on every link to the pool: the servers' certificates must chain to the pool file's 'trust "
                    + "file:' anchors or --tls-trust; --tls-cert/--tls-key (or --tls-keystore) add a client certificate "
                    + "(optional). The TLS files are reloaded when they change and on SIGHUP; new links use the new "
                    + "keys. --plaintext runs without TLS, and says so at start-up.",
            ""})
public final class ProxyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
            converter = Converters.HostPort.class,
            description = "Local address to accept clients on (port 0: any free port, printed at startup).")
    InetSocketAddress listen;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PoolTarget pool;

    @Option(names = "--policy", paramLabel = "SPEC", showDefaultValue = Help.Visibility.NEVER,
            converter = Converters.PolicyConverter.class,
            description = "Migration policy of every connection, repeatable: rate (the paper's inbound-rate policy), "
                    + "response-time:500ms, silence:2s, rtt:200ms, holder-failure. All specs: " + Policies.SPECS
                    + ". Default: none; a connection still moves when its server asks or fails.")
    List<Supplier<MigrationPolicy>> policies = new ArrayList<>();

    @Option(names = "--buffer-size", paramLabel = "BYTES", defaultValue = "16k",
            converter = Converters.IntByteSize.class,
            description = "Relay buffer per direction and connection.")
    int bufferSize;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "10000",
            description = "Connections relayed at once (default: ${DEFAULT-VALUE}, a server's limit in docs/protocol.md); "
                    + "further ones are closed at once. Each takes 2 file descriptors: a lower limit is said at start-up.")
    int maxConnections;

    @Option(names = "--avoid-unavailable", paramLabel = "DURATION", defaultValue = "30s",
            converter = Converters.DurationConverter.class,
            description = "How long a server that refused a new connection because it is draining, or could not be "
                    + "reached, is tried last for new connections (0: always in pool order).")
    Duration avoidUnavailable;

    @Option(names = "--policy-migrations", paramLabel = "N", defaultValue = "3",
            description = "Policy migrations of one connection without progress (no new byte from the new server, no "
                    + "response complete) per request, or per --policy-window: then it stays where it is.")
    int policyMigrations;

    @Option(names = "--policy-backoff-max", paramLabel = "DURATION", defaultValue = "30s",
            converter = Converters.DurationConverter.class,
            description = "Upper bound of the back-off between two policy migrations of one connection (500ms, "
                    + "doubled per migration without progress).")
    Duration policyBackoffMax;

    @Option(names = "--policy-window", paramLabel = "DURATION", defaultValue = "60s",
            converter = Converters.DurationConverter.class,
            description = "The count of policy migrations without progress starts afresh this long after its first.")
    Duration policyWindow;

    @Option(names = "--standby",
            description = "Each connection keeps an idle, authenticated standby link to the server it would migrate "
                    + "to next, so that a migration costs no TCP handshake (one more TCP connection per connection; "
                    + "docs/protocol.md, \"Standby link\").")
    boolean standby;

    @Mixin
    TlsOptions tls;

    @Override
    public Integer call() throws Exception {
        if (bufferSize < 1 || bufferSize > 16 << 20) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--buffer-size must be 1 to 16m");
        }
        if (maxConnections < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-connections must be positive");
        }
        PoolTarget.Resolved target = pool.resolve(spec);
        Optional<TlsConfig> tlsConfig = tls.load(spec, TlsFlags.Side.CLIENT, target.trustAnchors());
        if (policyMigrations < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--policy-migrations must be positive");
        }
        if (policyBackoffMax.isNegative() || policyWindow.isNegative() || policyWindow.isZero()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--policy-backoff-max must not be negative and --policy-window must be positive");
        }
        ClientOptions options = ClientOptions.defaults().withPolicies(policies)
                .withMigrationLimits(new MigrationLimits(policyMigrations, policyBackoffMax, policyWindow))
                .withStandby(standby);
        options = tlsConfig.isPresent() ? options.withTls(tlsConfig.get()) : options.withPlaintext();
        if (avoidUnavailable.isNegative()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--avoid-unavailable must not be negative");
        }
        ProxySettings settings = new ProxySettings(target.addresses(), options, bufferSize, maxConnections,
                avoidUnavailable);
        EventLog events = new EventLog(System.out);
        if (tlsConfig.isEmpty()) {
            events.log(TlsFlags.PLAINTEXT_WARNING);
        }
        org.mtcp.core.FileDescriptors.shortfall(org.mtcp.core.FileDescriptors.limit(), maxConnections, 2,
                "--max-connections " + maxConnections, "lower --max-connections").ifPresent(spec.commandLine().getErr()::println);
        MigratoryProxy proxy = MigratoryProxy.bind(listen, settings, events);
        KeyReloads reloads = new KeyReloads(events);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            events.log("proxy shutting down, " + proxy.liveConnections() + " connection(s) open");
            reloads.close();
            proxy.close();
        }, "shutdown"));
        if (pool.poolFile != null) {
            ProxyPoolReload poolReload = new ProxyPoolReload(pool.poolFile, target.labels(), proxy, events);
            reloads.onSighup("pool reload", poolReload::reload);
        }
        // Before the startup line: whoever waits for it may send SIGHUP or replace a key at once.
        reloads.tls(tlsConfig).install();
        List<String> policyNames = policySpecs();
        events.log("proxy listening on " + PoolTarget.format(proxy.localAddress()) + " pool=" + target.labels()
                + " policies=" + policyNames + " " + TlsOptions.describe(tlsConfig));
        proxy.serve();
        return 0;
    }

    /** The policy specs as typed, for the startup line. */
    private List<String> policySpecs() {
        var matched = spec.commandLine().getParseResult().matchedOption("--policy");
        return matched == null ? List.of() : matched.stringValues();
    }
}
