package org.mtcp.frontend.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.ServerOptions;
import org.mtcp.frontend.FrontendConfig;
import org.mtcp.frontend.FrontendServer;
import org.mtcp.frontend.engine.Hooks;
import org.mtcp.frontend.ops.Operations;
import org.mtcp.testkit.LoopbackPool;

/**
 * N front-ends in this JVM on real sockets: an M-TCP pool on free loopback ports (mtcp-core's
 * {@link LoopbackPool}), each server carrying a {@link FrontendServer} on the same database.
 */
public final class FrontendPool implements AutoCloseable {

    public static final String ADMIN_TOKEN = "test-admin-token";

    private final LoopbackPool pool;
    private final Map<String, FrontendServer> frontends = new LinkedHashMap<>();

    private FrontendPool(LoopbackPool pool) {
        this.pool = pool;
    }

    public static FrontendPool start(int n, String jdbcUrl, Properties credentials, Operations ops,
            List<FrontendConfig.AppSchema> schemas, UnaryOperator<FrontendConfig> customize) throws Exception {
        return start(n, ServerOptions.defaults(), jdbcUrl, credentials, ops, schemas, customize);
    }

    /** As above, with the transport's {@code options} (a small retention, say). */
    public static FrontendPool start(int n, ServerOptions options, String jdbcUrl, Properties credentials, Operations ops,
            List<FrontendConfig.AppSchema> schemas, UnaryOperator<FrontendConfig> customize) throws Exception {
        return start(LoopbackPool.start(n, options), jdbcUrl, credentials, ops, schemas, customize);
    }

    /**
     * As {@link #start(int, String, Properties, Operations, List, UnaryOperator)} with TLS on every
     * link ({@link LoopbackPool#startTls}: a throwaway CA, each server its own certificate); clients
     * get the CA from {@link #clientOptions(ClientOptions)}.
     */
    public static FrontendPool startTls(int n, String jdbcUrl, Properties credentials, Operations ops,
            List<FrontendConfig.AppSchema> schemas, UnaryOperator<FrontendConfig> customize) throws Exception {
        return start(LoopbackPool.startTls(n, ServerOptions.defaults()), jdbcUrl, credentials, ops, schemas, customize);
    }

    private static FrontendPool start(LoopbackPool pool, String jdbcUrl, Properties credentials, Operations ops,
            List<FrontendConfig.AppSchema> schemas, UnaryOperator<FrontendConfig> customize) throws Exception {
        FrontendPool fp = new FrontendPool(pool);
        try {
            for (MtcpServer server : pool.servers()) {
                FrontendConfig config = FrontendConfig.defaults(null, server.name(), jdbcUrl)
                        .withCredentials(credentials.getProperty("user"), credentials.getProperty("password"))
                        .withAppSchemas(schemas)
                        .withAdminToken(ADMIN_TOKEN)
                        .withReconnectTimeout(Duration.ofSeconds(2))
                        .withDbPoolSize(6);
                fp.frontends.put(server.name(), FrontendServer.start(customize.apply(config), ops, server));
            }
        } catch (Exception e) {
            fp.close();
            throw e;
        }
        return fp;
    }

    /**
     * A non-pooled data source for the tests' own checks: a pooled connection may have been
     * terminated by a takeover just after it went back to the pool.
     */
    public static javax.sql.DataSource directDataSource(String jdbcUrl, Properties credentials) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(jdbcUrl);
        ds.setUser(credentials.getProperty("user"));
        ds.setPassword(credentials.getProperty("password"));
        return ds;
    }

    /** {@code base} as a client of this pool needs it (with the pool's CA when it runs TLS). */
    public ClientOptions clientOptions(ClientOptions base) {
        return pool.clientOptions(base);
    }

    public LoopbackPool mtcp() {
        return pool;
    }

    public FrontendServer frontend(String name) {
        FrontendServer fe = frontends.get(name);
        if (fe == null) {
            throw new IllegalArgumentException("no front-end " + name);
        }
        return fe;
    }

    public List<FrontendServer> frontends() {
        return new ArrayList<>(frontends.values());
    }

    /** Installs {@code hooks} on every front-end's engine ({@link Hooks#NONE} removes them). */
    public void setHooks(Hooks hooks) {
        for (FrontendServer fe : frontends.values()) {
            fe.engine().setHooks(hooks);
        }
    }

    public List<java.net.InetSocketAddress> addresses() {
        return pool.serviceAddresses();
    }

    @Override
    public void close() throws IOException {
        for (FrontendServer fe : frontends.values()) {
            fe.close();
        }
        pool.close();
    }
}
