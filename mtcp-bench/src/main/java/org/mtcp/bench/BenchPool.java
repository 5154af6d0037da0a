package org.mtcp.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.ServerApp;
import org.mtcp.testkit.TcpProxy;

/**
 * An in-JVM pool of M-TCP servers on loopback (the test kit's {@link LoopbackPool}) whose client
 * paths and control paths can each go through a user-space delay proxy (the test kit's
 * {@link TcpProxy}) emulating a round-trip time: half of it in each direction. With a zero RTT
 * nothing is proxied and everything is plain loopback.
 */
public final class BenchPool implements AutoCloseable {

    private final LoopbackPool fixture;
    private final List<TcpProxy> proxies = new ArrayList<>();
    private final List<TcpProxy> controlProxies = new ArrayList<>();
    /** The clients' TLS (trusting the pool's CA) in TLS mode, else null; its session cache is the clients'. */
    private final TlsConfig clientTls;

    private BenchPool(LoopbackPool fixture) {
        this.fixture = fixture;
        try {
            clientTls = fixture.usesTls() ? TlsConfig.of(null, null, fixture.pki().trustStore()) : null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the pool's CA as client trust", e);
        }
    }

    /** Which paths a non-zero RTT applies to. */
    public enum Paths { BOTH, CLIENT, CONTROL }

    public static BenchPool start(int servers, ServerOptions options, Duration rtt) throws IOException {
        return start(servers, options, rtt, Paths.BOTH);
    }

    public static BenchPool start(int servers, ServerOptions options, Duration rtt, Paths paths) throws IOException {
        return start(servers, options, rtt, paths, Link.PLAIN);
    }

    /**
     * With {@link Link#TLS}: every link TLS 1.3 ({@link LoopbackPool#startTls}: a throwaway CA, a
     * certificate per server, mutual TLS on the control plane); clients take {@link #clientOptions}.
     * With {@link Link#PLAIN}: plaintext links, chosen explicitly.
     */
    public static BenchPool start(int servers, ServerOptions options, Duration rtt, Paths paths, Link link)
            throws IOException {
        BenchPool p = new BenchPool(link == Link.TLS
                ? LoopbackPool.startTls(servers, options)
                : LoopbackPool.start(servers, options.withPlaintext()));
        try {
            if (!rtt.isZero()) {
                Duration oneWay = rtt.dividedBy(2);
                for (MtcpServer s : p.fixture.servers()) {
                    if (paths != Paths.CONTROL) {
                        TcpProxy service = p.proxy(s.serviceAddress(), oneWay);
                        p.fixture.routeServiceVia(s.name(), service.address());
                    }
                    if (paths != Paths.CLIENT) {
                        TcpProxy control = p.proxy(s.controlAddress(), oneWay);
                        p.controlProxies.add(control);
                        p.fixture.routeControlVia(s.name(), control.address());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** A delay proxy in front of {@code target}, {@code oneWay} each direction; closed with the pool. */
    public TcpProxy proxy(InetSocketAddress target, Duration oneWay) throws IOException {
        TcpProxy t = TcpProxy.start(target);
        t.setDelay(oneWay, oneWay, true); // the connect pays its round trip, as on a real path
        proxies.add(t);
        return t;
    }

    /** TCP connections opened on the delayed control paths so far (-1 when they are not proxied). */
    public int controlConnections() {
        return controlProxies.isEmpty() ? -1 : controlProxies.stream().mapToInt(TcpProxy::accepted).sum();
    }

    public void serve(ServerApp app) {
        fixture.serve(app);
    }

    /** The links' kind. */
    public Link link() {
        return clientTls == null ? Link.PLAIN : Link.TLS;
    }

    /** {@code base} with this pool's links: TLS trusting the pool's CA, or plaintext, explicitly. */
    public ClientOptions clientOptions(ClientOptions base) {
        return clientTls == null ? base.withPlaintext() : base.withTls(clientTls);
    }

    /**
     * Forgets the TLS sessions clients of this pool could resume (TLS 1.3 tickets are kept per
     * server address in the clients' {@link TlsConfig}): the next link to any server makes a full
     * handshake, certificate signature and chain check included. Nothing in plaintext mode.
     */
    public void forgetTlsSessions() {
        if (clientTls == null) {
            return;
        }
        SSLSessionContext sessions = clientTls.context().getClientSessionContext();
        for (Enumeration<byte[]> ids = sessions.getIds(); ids.hasMoreElements(); ) {
            SSLSession s = sessions.getSession(ids.nextElement());
            if (s != null) {
                s.invalidate();
            }
        }
    }

    /** Where clients connect: the servers' service addresses as the pool announces them. */
    public List<InetSocketAddress> clientAddresses() {
        return fixture.pool().serviceAddresses();
    }

    public LoopbackPool fixture() {
        return fixture;
    }

    /** Throws if the served application failed other than by migrating away. */
    public void checkApp() throws IOException {
        if (!fixture.appFailures().isEmpty()) {
            Throwable t = fixture.appFailures().get(0);
            throw new IOException("the server application failed (" + fixture.appFailures().size()
                    + " failure(s)); first: " + t, t);
        }
    }

    @Override
    public void close() {
        for (TcpProxy t : proxies) {
            t.close();
        }
        fixture.close();
    }
}
