package org.mtcp.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mtcp.cli.fileserver.Degradation;
import org.mtcp.cli.fileserver.FileServer;
import org.mtcp.cli.fileserver.FileServerConfig;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.core.tls.TlsFlags;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.proxy.EventLog;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mtcp file-server}: the paper's Figure 4, a migratory HTTP/1.1 file server. */
@Command(
        name = "file-server",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Runs one server of a pool: a migratory HTTP/1.1 file server (the M-TCP paper's Figure 4).",
            "",
            "It answers GET and HEAD for the files under DIR (every server of the pool must have identical "
                    + "files), with keep-alive and Content-Length and no Date or Server header, and sends bodies "
                    + "in chunks, exporting a snapshot (request position, file path, offset) after each one. "
                    + "When a client migrates here in the middle of a body, this server imports the snapshot "
                    + "and continues byte-exact.",
            "",
            "--degrade-after reproduces the slowing servers of the paper's section 5. Each connection "
                    + "accepted or migrated in prints one line on stdout. Ctrl-C asks the clients to move to "
                    + "another server (up to --drain-timeout), then stops.",
            "",
            "TLS 1.3 on the service port and mutual TLS on the control port: --tls-cert/--tls-key (or "
                    + "--tls-keystore) are this server's key, its certificate naming the server (./mtcp certs makes "
                    + "them); the pool file's 'trust file:' line (or --tls-trust) the anchors. The TLS files are "
                    + "reloaded when they change and on SIGHUP; new links use the new keys. --plaintext runs without "
                    + "TLS, and says so at start-up.",
            ""})
public final class FileServerCommand implements Callable<Integer> {

    static final int MAX_SNAPSHOT_PAD = 16 << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--pool", paramLabel = "FILE", required = true,
            description = "Pool file (docs/pool-file.md): the members, their addresses and the pool secret.")
    Path pool;

    @Option(names = "--name", paramLabel = "NAME", required = true,
            description = "This server's name in the pool file.")
    String name;

    @Option(names = "--dir", paramLabel = "DIR", required = true, description = "Directory of the files served.")
    Path dir;

    @Option(names = "--chunk-size", paramLabel = "BYTES", defaultValue = "1024",
            converter = Converters.IntByteSize.class,
            description = "Body bytes sent between two snapshots.")
    int chunkSize;

    @Option(names = "--snapshot-pad", paramLabel = "BYTES", defaultValue = "0",
            converter = Converters.IntByteSize.class,
            description = "Pad every snapshot to at least this size (the paper compares 2k, 10k and 16k).")
    int snapshotPad;

    @Option(names = "--chunk-interval", paramLabel = "DURATION", defaultValue = "0",
            converter = Converters.DurationConverter.class,
            description = "Wait this long before each chunk: a stream paced at regular intervals, like the "
                    + "paper's streaming server (0: as fast as the client takes it).")
    Duration chunkInterval;

    @Option(names = "--degrade-after", paramLabel = "BYTES", converter = Converters.ByteSize.class,
            description = "Slow down after sending this many bytes on a connection (counted afresh on each "
                    + "server that takes it over); default: never.")
    Long degradeAfter;

    @Option(names = "--degrade-step", paramLabel = "DURATION", defaultValue = "2ms",
            converter = Converters.DurationConverter.class,
            description = "Once degraded, the delay before each chunk grows by this much: step, 2*step, ... "
                    + "(on top of --chunk-interval).")
    Duration degradeStep;

    @Option(names = "--degrade-max", paramLabel = "DURATION", defaultValue = "1s",
            converter = Converters.DurationConverter.class,
            description = "Upper bound of the delay before one chunk.")
    Duration degradeMax;

    @Option(names = "--max-retained", paramLabel = "BYTES", converter = Converters.IntByteSize.class,
            description = "Bytes written but not yet acknowledged that the transport keeps per connection "
                    + "(and sends to the next server on a migration); the server blocks beyond it. "
                    + "Default: the transport's (8m).")
    Integer maxRetained;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "3s",
            converter = Converters.DurationConverter.class,
            description = "On Ctrl-C, how long to wait for clients asked to migrate away (0: drop them at once).")
    Duration drainTimeout;

    @Option(names = "--state-transfer", paramLabel = "STRATEGY", defaultValue = "lazy",
            converter = Converters.StateTransferConverter.class,
            description = "How a connection's state reaches its next server: lazy (fetched from this server when the "
                    + "client moves; a client of a server that dies loses its connection) or replicated[:K] (pushed to "
                    + "K other servers of the pool at every snapshot, K=1 by default and below the pool's size: a "
                    + "client of a server that dies resumes on a replica). Every server of the pool should use the "
                    + "same (docs/protocol.md, section 10).")
    StateTransfer stateTransfer;

    @Mixin
    TlsOptions tls;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dir " + dir + " is not a directory");
        }
        if (chunkSize <= 0 || chunkSize > 1 << 20) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--chunk-size must be 1 to 1m bytes");
        }
        if (snapshotPad > MAX_SNAPSHOT_PAD) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--snapshot-pad is at most 16m");
        }
        PoolConfig poolConfig = PoolTarget.loadPool(spec, pool);
        if (poolConfig.member(name).isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no server named '" + name
                    + "' in " + pool + " (members: " + poolConfig.members().stream().map(m -> m.name()).toList() + ")");
        }
        try {
            stateTransfer.checkPoolSize(poolConfig.members().size());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--state-transfer " + e.getMessage());
        }
        Optional<TlsConfig> tlsConfig = tls.load(spec, TlsFlags.Side.SERVER, poolConfig.trustAnchors());
        Degradation degradation = degradeAfter == null ? Degradation.NONE
                : new Degradation(degradeAfter, degradeStep, degradeMax);
        FileServerConfig config = new FileServerConfig(dir, chunkSize, snapshotPad, chunkInterval, degradation);

        ServerOptions defaults = ServerOptions.defaults();
        // A snapshot holds the padding, up to one read buffer of pending bytes, a path from a
        // request head (both at most 8 KiB) and a few numbers.
        int neededSnapshot = snapshotPad + 2 * 8192 + 1024;
        ServerOptions options = (neededSnapshot <= defaults.maxSnapshotSize() ? defaults
                : defaults.withMaxSnapshotSize(neededSnapshot)).withStateTransfer(stateTransfer);
        options = tlsConfig.isPresent() ? options.withTls(tlsConfig.get()) : options.withPlaintext();
        if (maxRetained != null) {
            if (maxRetained < 1024) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--max-retained must be at least 1k");
            }
            options = options.withMaxRetainedBytes(maxRetained);
        }

        EventLog events = new EventLog(System.out);
        if (tlsConfig.isEmpty()) {
            events.log(TlsFlags.PLAINTEXT_WARNING);
        }
        MtcpServer transport = MtcpServer.start(poolConfig, name, options);
        FileServer server = new FileServer(transport, config, events);
        KeyReloads reloads = new KeyReloads(events).tls(tlsConfig);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            reloads.close();
            shutdown(server, events);
        }, "shutdown"));
        reloads.install();
        events.log("file-server " + name + " ready service=" + PoolTarget.format(transport.serviceAddress())
                + " control=" + PoolTarget.format(transport.controlAddress()) + " dir=" + dir.toAbsolutePath()
                + " chunk=" + chunkSize + "B interval=" + chunkInterval.toNanos() / 1000 + "us snapshot-pad="
                + snapshotPad + "B degrade=" + degradation + " state-transfer=" + stateTransfer.name() + " "
                + TlsOptions.describe(tlsConfig));
        server.serve();
        return 0;
    }

    private void shutdown(FileServer server, EventLog events) {
        int live = server.liveConnections();
        events.log("file-server " + name + " shutting down"
                + (live > 0 && !drainTimeout.isZero() ? ": asking " + live + " connection(s) to migrate" : ""));
        int left = server.drain(drainTimeout);
        server.close();
        try {
            server.awaitStopped(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        events.log("file-server " + name + " stopped" + (left > 0 ? ", " + left + " connection(s) dropped" : ""));
    }
}
