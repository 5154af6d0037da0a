package org.mtcp.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigratedException;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.tls.TlsConfig;

/**
 * An in-JVM pool: N {@link MtcpServer}s named {@code s1..sN} on loopback, on free ports.
 *
 * <p>Binding port 0 and then telling everyone the real ports avoids the race of picking free
 * ports first: each server starts with a pool whose ports are 0, then the pool builds the
 * real {@link PoolConfig} from {@link MtcpServer#boundMember()} and gives it to every server with
 * {@link MtcpServer#updatePool}. Clients connect to {@link #serviceAddresses()}.
 *
 * <p>{@link #serve(ServerApp)} runs an application on every server, one virtual thread per
 * accepted connection (new or migrated). A {@link MigratedException} ends that thread quietly,
 * as the paper's old server does; anything else thrown is recorded in {@link #appFailures()}, so
 * a caller can check the application saw no unexpected error.
 *
 * <p>{@link #routeControlVia} puts a {@link TcpProxy} in front of a server's control
 * port (to cut the control network), and {@link #crash} closes a server as a crash would.
 * {@link #addServer} and {@link #removeMember} change the pool while it runs.
 *
 * <pre>{@code
 * try (LoopbackPool pool = LoopbackPool.start(3)) {
 *     pool.serve(new TransformApp(1024));
 *     try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) { ... }
 * }
 * }</pre>
 */
public final class LoopbackPool implements AutoCloseable {

    private final Map<String, MtcpServer> servers = new LinkedHashMap<>();
    private volatile PoolConfig pool;
    private final List<Throwable> appFailures = new CopyOnWriteArrayList<>();
    private final AtomicInteger emigrated = new AtomicInteger();
    private final AtomicInteger sessions = new AtomicInteger();
    private final Map<String, Thread> acceptors = new ConcurrentHashMap<>();
    /** Each server's options (with TLS: its own identity). */
    private final Function<String, ServerOptions> optionsFor;
    /** The pool's CA in TLS mode, else null. */
    private final TestPki pki;
    /** What clients of this pool use to reach it in TLS mode (trust: the CA), else null. */
    private final TlsConfig clientTls;
    /** The application of {@link #serve}, also run on servers added later; null until then. */
    private volatile ServerApp app;

    private LoopbackPool(Function<String, ServerOptions> optionsFor, TestPki pki, TlsConfig clientTls) {
        this.optionsFor = optionsFor;
        this.pki = pki;
        this.clientTls = clientTls;
    }

    public static LoopbackPool start(int n) throws IOException {
        return start(n, ServerOptions.defaults());
    }

    public static LoopbackPool start(int n, ServerOptions options) throws IOException {
        return start(n, name -> options, null, null);
    }

    /**
     * The pool in TLS mode: a throwaway CA ({@link #pki()}) issues every server its own
     * certificate (CN and DNS name: the server's name; also localhost and 127.0.0.1), every
     * server trusts the CA on the control plane, and {@link #clientOptions} makes clients trust it.
     */
    public static LoopbackPool startTls(int n, ServerOptions options) throws IOException {
        TestPki pki = TestPki.create("loopback-pool");
        try {
            TlsConfig clientTls = TlsConfig.of(null, null, pki.trustStore());
            return start(n, name -> options.withTls(serverTls(pki, name)), pki, clientTls);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("test PKI", e);
        }
    }

    /** {@code name}'s TLS configuration: a certificate of {@code pki} for it, trusting {@code pki}. */
    public static TlsConfig serverTls(TestPki pki, String name) {
        try {
            return TlsConfig.of(pki.issue(name).keyStore(), TestPki.PASSWORD, pki.trustStore());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("test PKI", e);
        }
    }

    private static LoopbackPool start(int n, Function<String, ServerOptions> optionsFor, TestPki pki,
            TlsConfig clientTls) throws IOException {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        List<PoolMember> members = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            members.add(new PoolMember("s" + i, new InetSocketAddress("127.0.0.1", 0),
                    new InetSocketAddress("127.0.0.1", 0)));
        }
        PoolConfig initial = new PoolConfig(secret, members);
        LoopbackPool f = new LoopbackPool(optionsFor, pki, clientTls);
        try {
            for (PoolMember m : members) {
                f.servers.put(m.name(), MtcpServer.start(initial, m.name(), optionsFor.apply(m.name())));
            }
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
        List<PoolMember> bound = new ArrayList<>();
        for (MtcpServer s : f.servers.values()) {
            bound.add(s.boundMember());
        }
        f.pool = new PoolConfig(secret, bound);
        for (MtcpServer s : f.servers.values()) {
            s.updatePool(f.pool);
        }
        return f;
    }

    public PoolConfig pool() {
        return pool;
    }

    /** Whether this pool's links are TLS ({@link #startTls}). */
    public boolean usesTls() {
        return pki != null;
    }

    /** The pool's CA in TLS mode (tests issue more certificates with it), else null. */
    public TestPki pki() {
        return pki;
    }

    /** {@code base} as a client of this pool needs it: with the pool's TLS in TLS mode, else unchanged. */
    public ClientOptions clientOptions(ClientOptions base) {
        return clientTls == null ? base : base.withTls(clientTls);
    }

    /** A client of this pool with default options ({@link #clientOptions(ClientOptions)}). */
    public ClientOptions clientOptions() {
        return clientOptions(ClientOptions.defaults());
    }

    public synchronized MtcpServer server(String name) {
        MtcpServer s = servers.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no server " + name);
        }
        return s;
    }

    public synchronized List<MtcpServer> servers() {
        return List.copyOf(servers.values());
    }

    public synchronized List<InetSocketAddress> serviceAddresses() {
        return servers.values().stream().map(MtcpServer::serviceAddress).toList();
    }

    public InetSocketAddress serviceAddress(String name) {
        return server(name).serviceAddress();
    }

    /** The pool secret (tests forge certificates with it). */
    public byte[] secret() {
        return pool.secret();
    }

    /**
     * Runs {@code app} on every server for every accepted connection. Call once per pool.
     */
    public void serve(ServerApp app) {
        this.app = app;
        for (MtcpServer s : servers.values()) {
            startAcceptor(s, app);
        }
    }

    private void startAcceptor(MtcpServer s, ServerApp app) {
        Thread t = Thread.ofVirtual().name("loopback-accept-" + s.name()).start(() -> {
            while (true) {
                MtcpServerConnection c;
                try {
                    c = s.accept();
                } catch (IOException e) {
                    return; // server closed
                }
                sessions.incrementAndGet();
                Thread.ofVirtual().name("loopback-app-" + s.name()).start(() -> {
                    try {
                        app.serve(c);
                    } catch (MigratedException e) {
                        emigrated.incrementAndGet();
                    } catch (Throwable e) {
                        appFailures.add(e);
                    }
                });
            }
        });
        acceptors.put(s.name(), t);
    }

    /**
     * A front-end joins the running pool: starts server {@code name} on free loopback ports,
     * adds it to the pool and gives the new pool to every server ({@link MtcpServer#updatePool}),
     * whose clients then learn it from a CERT. Runs the {@link #serve} application on it.
     */
    public synchronized MtcpServer addServer(String name) throws IOException {
        if (servers.containsKey(name)) {
            throw new IllegalArgumentException("server " + name + " is in the pool already");
        }
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        MtcpServer added = MtcpServer.start(pool.withMember(new PoolMember(name, any, any)), name, optionsFor.apply(name));
        servers.put(name, added);
        pool = pool.withMember(added.boundMember());
        for (MtcpServer s : servers.values()) {
            s.updatePool(pool);
        }
        ServerApp current = app;
        if (current != null) {
            startAcceptor(added, current);
        }
        return added;
    }

    /**
     * A front-end leaves the pool: every other server gets the pool without {@code name} (their
     * clients learn it from a CERT and stop choosing it). The server itself keeps running: drain
     * or close it as the test needs (a deploy drains it first).
     */
    public synchronized void removeMember(String name) {
        pool = pool.withoutMember(name);
        for (MtcpServer s : servers.values()) {
            if (!s.name().equals(name)) {
                s.updatePool(pool);
            }
        }
    }

    /** Exceptions other than {@link MigratedException} thrown by the served application. */
    public List<Throwable> appFailures() {
        return Collections.unmodifiableList(appFailures);
    }

    /** Application threads that ended with {@link MigratedException}. */
    public int emigrated() {
        return emigrated.get();
    }

    /** Connections handed to the application (new and migrated), on all servers. */
    public int sessions() {
        return sessions.get();
    }

    /**
     * Makes every server reach {@code name}'s control port through {@code address} (a
     * {@link TcpProxy} in front of it, to cut or slow the control network).
     */
    public void routeControlVia(String name, InetSocketAddress address) {
        PoolMember m = pool.member(name).orElseThrow();
        pool = pool.withMember(new PoolMember(name, m.service(), address));
        for (MtcpServer s : servers.values()) {
            s.updatePool(pool);
        }
    }

    /**
     * Makes every server announce {@code address} as {@code name}'s service address (clients
     * learn it from WELCOME): a {@link TcpProxy} in front of a server's service port.
     */
    public void routeServiceVia(String name, InetSocketAddress address) {
        PoolMember m = pool.member(name).orElseThrow();
        pool = pool.withMember(new PoolMember(name, address, m.control()));
        for (MtcpServer s : servers.values()) {
            s.updatePool(pool);
        }
    }

    /** Closes {@code name} as a crash would: its connections vanish without CLOSE. */
    public void crash(String name) {
        server(name).close();
    }

    @Override
    public synchronized void close() {
        for (MtcpServer s : servers.values()) {
            s.close();
        }
    }
}
