package org.mtcp.cli.support;

import org.mtcp.testkit.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.mtcp.cli.fileserver.FileServer;
import org.mtcp.cli.fileserver.FileServerConfig;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;
import org.mtcp.core.ServerOptions;
import org.mtcp.proxy.EventLog;
import org.mtcp.testkit.LoopbackPool;

/**
 * In-process file servers s1..sN on loopback: mtcp-core's {@link LoopbackPool} (servers bound on
 * port 0, then told each other's real ports) with a {@link FileServer} on every member.
 */
public final class LocalPool implements AutoCloseable {

    private final LoopbackPool fixture;
    private final List<FileServer> servers = new ArrayList<>();
    private final java.io.ByteArrayOutputStream events = new java.io.ByteArrayOutputStream();
    private final java.io.PrintStream eventStream = new java.io.PrintStream(events, true, StandardCharsets.UTF_8);
    private final EventLog log = new EventLog(eventStream);

    private LocalPool(LoopbackPool fixture) {
        this.fixture = fixture;
    }

    /**
     * A pool of {@code n} members on loopback ports free at the time of the call, for pool files
     * given to separate processes (which cannot learn each other's ports otherwise).
     */
    public static PoolConfig config(int n) {
        List<PoolMember> members = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            members.add(new PoolMember("s" + i, new InetSocketAddress("127.0.0.1", FreePorts.reserve()),
                    new InetSocketAddress("127.0.0.1", FreePorts.reserve())));
        }
        return new PoolConfig("test-pool-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8), members);
    }

    /**
     * Server options of the in-process pools: outbound retention limited to 16 KiB, so that a
     * server application cannot run more than that ahead of what the client acknowledged, and a
     * client's migration lands in the middle of a body on the server side too (with the default
     * 8 MiB, a server writes a whole test file before the client has read much of it).
     */
    public static final ServerOptions OPTIONS = ServerOptions.defaults().withMaxRetainedBytes(16 * 1024);

    /** Starts a pool of {@code n}, every member serving {@code config}. */
    public static LocalPool start(int n, FileServerConfig config) throws IOException {
        return start(Collections.nCopies(n, config));
    }

    /** Starts a pool with one member per config: s1 serves the first, s2 the second... */
    public static LocalPool start(List<FileServerConfig> configs) throws IOException {
        LocalPool local = new LocalPool(LoopbackPool.start(configs.size(), OPTIONS));
        try {
            List<MtcpServer> transports = local.fixture.servers();
            for (int i = 0; i < configs.size(); i++) {
                FileServer server = new FileServer(transports.get(i), configs.get(i), local.log);
                local.servers.add(server);
                server.serveInBackground();
            }
        } catch (IOException | RuntimeException e) {
            local.close();
            throw e;
        }
        return local;
    }

    public PoolConfig pool() {
        return fixture.pool();
    }

    public List<FileServer> servers() {
        return List.copyOf(servers);
    }

    /** The servers' event lines so far ({@code accept}, {@code migrated-in}). */
    public List<String> events() {
        synchronized (eventStream) { // EventLog writes whole lines under this lock
            return events.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** The service addresses, as a client gets them. */
    public List<InetSocketAddress> addresses() {
        return fixture.serviceAddresses();
    }

    @Override
    public void close() {
        for (FileServer s : servers) {
            s.close();
        }
        fixture.close();
    }
}
