package org.mtcp.cli.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.mtcp.cli.EventLog;
import org.mtcp.cli.fileserver.FileServer;
import org.mtcp.cli.fileserver.FileServerConfig;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;
import org.mtcp.core.ServerOptions;

/** In-process file servers s1..sN on loopback, one pool, for tests. */
public final class LocalPool implements AutoCloseable {

    private final PoolConfig pool;
    private final List<FileServer> servers = new ArrayList<>();

    private LocalPool(PoolConfig pool) {
        this.pool = pool;
    }

    /** A pool config of {@code n} members on free loopback ports. */
    public static PoolConfig config(int n) {
        List<PoolMember> members = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            members.add(new PoolMember("s" + i, new InetSocketAddress("127.0.0.1", TestFiles.freePort()),
                    new InetSocketAddress("127.0.0.1", TestFiles.freePort())));
        }
        return new PoolConfig("test-pool-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8), members);
    }

    /** Starts every member of a fresh pool of {@code n}, all serving {@code config}. */
    public static LocalPool start(int n, FileServerConfig config) throws IOException {
        return start(java.util.Collections.nCopies(n, config));
    }

    /** Starts a fresh pool with one member per config: s1 serves the first, s2 the second... */
    public static LocalPool start(List<FileServerConfig> configs) throws IOException {
        LocalPool local = new LocalPool(config(configs.size()));
        try {
            for (int i = 0; i < configs.size(); i++) {
                PoolMember m = local.pool.members().get(i);
                MtcpServer transport = MtcpServer.start(local.pool, m.name(), ServerOptions.defaults());
                FileServer server = new FileServer(transport, configs.get(i), EventLog.discard());
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
        return pool;
    }

    public List<FileServer> servers() {
        return List.copyOf(servers);
    }

    /** The service addresses, as a client gets them. */
    public List<InetSocketAddress> addresses() {
        return servers.stream().map(FileServer::serviceAddress).toList();
    }

    @Override
    public void close() {
        for (FileServer s : servers) {
            s.close();
        }
    }
}
