package org.mtcp.core.internal.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.UnavailableServers;
import org.mtcp.core.ValueSyntax;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.internal.cert.ClientKey;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.ResetCode;

/**
 * Opening links to the pool: the first connection (HELLO{new} to the first server that answers
 * WELCOME) and the HELLO{migrate}/WELCOME of a migration, on a new TCP connection or a {@link
 * StandbyLink}; which failures put a server in quarantine; the keepalive figures HELLO carries.
 */
public final class ClientConnector {

    private ClientConnector() {
    }

    /** Connects to the first address of {@code pool} that answers WELCOME. */
    public static ClientConnection connect(List<InetSocketAddress> pool, ClientOptions options) throws IOException {
        return connect(pool, options, null);
    }

    /**
     * Connects to the first address that answers WELCOME, trying those {@code unavailable}
     * avoids last (when given) and telling it which refused with {@code shutdown}, could not be
     * reached, or took the connection.
     */
    public static ClientConnection connect(List<InetSocketAddress> pool, ClientOptions options,
            UnavailableServers unavailable) throws IOException {
        if (pool.isEmpty()) {
            throw new IllegalArgumentException("the pool has no address");
        }
        List<String> errors = new ArrayList<>();
        // This connection's key (its certificates are bound to it), made while the first link
        // connects: a key pair costs about as much as a loopback connect, and is needed only
        // when the HELLO is written.
        CompletableFuture<ClientKey> key = CompletableFuture.supplyAsync(ClientKey::generate,
                task -> Threads.start("mtcp-client-key", task));
        Handshake.HelloForLink hello = link -> Frame.Hello.newConnection(options.maxFrameSize(), options.receiveBufferSize(),
                keepaliveMillis(options), key.join().publicKey());
        for (InetSocketAddress address : unavailable == null ? pool : unavailable.order(pool)) {
            Handshake h;
            try {
                h = Handshake.perform(address, hello, options.tls(), options.connectTimeout().toNanos(),
                        options.maxFrameSize());
            } catch (IOException e) {
                if (unavailable != null) {
                    markFailedAttempt(unavailable, address, e);
                }
                errors.add(ValueSyntax.format(address) + ": " + e.getMessage());
                continue;
            }
            if (unavailable != null) {
                unavailable.markAvailable(address);
            }
            try {
                ClientConnection c = new ClientConnection(options, h, key.join(),
                        unavailable != null ? unavailable : new UnavailableServers(UnavailableServers.DEFAULT_AVOID_FOR));
                c.start(h);
                return c;
            } catch (IOException e) {
                errors.add(ValueSyntax.format(address) + ": " + e.getMessage());
            }
        }
        throw new IOException("could not connect to any server of the pool: " + String.join("; ", errors));
    }

    /**
     * HELLO{migrate} to {@code address} and its WELCOME: on {@code standby} when given (no TCP
     * handshake), else on a new TCP connection. The WELCOME must be for connection {@code id} at
     * the epoch after {@code epoch}, the certificate's.
     */
    static Handshake migrate(InetSocketAddress address, Handshake.HelloForLink hello, long epoch, StandbyLink standby,
            ConnectionId id, ClientOptions options) throws IOException {
        Handshake h = standby != null
                ? Handshake.onStandby(standby, hello, options.connectTimeout().toNanos())
                : Handshake.perform(address, hello, options.tls(), options.connectTimeout().toNanos(), options.maxFrameSize());
        Frame.Welcome w = h.welcome();
        if (!w.id().equals(id) || w.epoch() != epoch + 1) {
            h.socket().close();
            throw new ProtocolException("WELCOME for " + w.id() + " epoch " + w.epoch() + ", expected "
                    + id + " epoch " + (epoch + 1));
        }
        return h;
    }

    /**
     * Records in {@code quarantine} why a handshake with {@code address} failed: draining (RESET
     * {@code shutdown}), no answer within the connect timeout, or unreachable. Other refusals
     * ({@code busy}, {@code limit-exceeded}, a stale certificate) say nothing about the server
     * going away and mark nothing.
     */
    static void markFailedAttempt(UnavailableServers quarantine, InetSocketAddress address, IOException e) {
        if (e instanceof RefusedException r) {
            if (r.code == ResetCode.SHUTDOWN) {
                quarantine.markUnavailable(address, UnavailableServers.Why.DRAINING);
            }
        } else if (e instanceof java.net.SocketTimeoutException) {
            quarantine.markUnavailable(address, UnavailableServers.Why.TIMED_OUT);
        } else {
            quarantine.markUnavailable(address, UnavailableServers.Why.UNREACHABLE);
        }
    }

    /**
     * HELLO's keepalive field: the longest the client stays silent, i.e. its idle ceiling (the
     * server's silence bound for an idle client is this times its missed keepalives).
     */
    static int keepaliveMillis(ClientOptions o) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, o.maxIdleKeepaliveInterval().toMillis()));
    }

    /**
     * The link reader's backstop only: the sender detects a silent holder ({@link KeepaliveSchedule})
     * within the missed keepalives at the base interval; nothing at all arrives for this long only
     * if the holder ignores PINGs at the idle ceiling too.
     */
    static int silenceTimeoutMillis(ClientOptions o) {
        return (int) Math.min(Integer.MAX_VALUE, keepaliveMillis(o) * (long) (o.missedKeepalives() + 1));
    }
}
