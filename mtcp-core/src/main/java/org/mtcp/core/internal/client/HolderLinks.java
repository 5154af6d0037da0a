package org.mtcp.core.internal.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.cert.ChannelBinding;
import org.mtcp.core.internal.cert.ClientKey;
import org.mtcp.core.internal.cert.MigrationProof;
import org.mtcp.core.internal.stream.Guard;
import org.mtcp.core.internal.stream.Inbound;
import org.mtcp.core.internal.stream.Outbound;
import org.mtcp.core.internal.stream.SendCursor;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.Wire;

/**
 * A client connection's link to its holder: the first link, the HELLO{migrate}/WELCOME of a
 * migration (while the old link keeps working: overlap) and the switch to the new holder's link,
 * which retires the old one. The current link is guarded by the connection's lock ({@code guard});
 * frames count only from it.
 */
final class HolderLinks {

    private final ClientConnection conn;
    private final ConnectionId id;
    private final ClientOptions options;
    private final Guard guard;
    private final Outbound outbound;
    private final Inbound inbound;
    private final HolderRecord record;
    private final ClientEnd end;
    private final HolderPolicies policies;
    /** Signs each HELLO{migrate}'s proof: the certificates are bound to its public key. */
    private final ClientKey key;

    // Guarded by guard.
    private ClientLink current;

    HolderLinks(ClientConnection conn, ConnectionId id, ClientOptions options, Guard guard, Outbound outbound,
            Inbound inbound, HolderRecord record, ClientEnd end, HolderPolicies policies, ClientKey key) {
        this.key = key;
        this.conn = conn;
        this.id = id;
        this.options = options;
        this.guard = guard;
        this.outbound = outbound;
        this.inbound = inbound;
        this.record = record;
        this.end = end;
        this.policies = policies;
    }

    /** Under lock: the current link, or null. */
    ClientLink current() {
        return current;
    }

    /** Under lock: frames from {@code link} count (it is current and not retired). */
    boolean isCurrent(ClientLink link) {
        return !link.retired && link == current;
    }

    /** The first link, on the first handshake. */
    void start(Handshake h) throws IOException {
        ClientLink link = new ClientLink(conn, h, new SendCursor(0));
        guard.run(() -> {
            current = link;
            conn.linkedLocked(false);
        });
        link.start(ClientConnector.silenceTimeoutMillis(options));
        policies.newHolder(h.welcome().server(), System.nanoTime());
    }

    /** HELLO{standby} with the current certificate: opens a standby link (version 3). */
    Frame.Hello standbyHello() {
        return guard.call(() -> new Frame.Hello(Wire.STANDBY_VERSION, Frame.HelloKind.STANDBY, options.maxFrameSize(),
                0, 0, ClientConnector.keepaliveMillis(options), id, record.epoch(), record.certificate()));
    }

    /**
     * HELLO{migrate} to {@code name} and its WELCOME: on {@code standby} when given (no TCP
     * handshake), else on a new TCP connection.
     */
    Handshake handshake(String name, StandbyLink standby) throws IOException {
        InetSocketAddress address;
        Frame.Hello unsigned;
        guard.lock();
        try {
            address = record.addressOf(name);
            unsigned = new Frame.Hello(Wire.SERVICE_VERSION, Frame.HelloKind.MIGRATE, options.maxFrameSize(),
                    inbound.received(), inbound.windowEnd(), ClientConnector.keepaliveMillis(options), id,
                    record.epoch(), record.certificate(), outbound.acked());
            conn.pinForMigration(outbound.acked());
        } finally {
            guard.unlock();
        }
        if (address == null) {
            throw new IOException("unknown server");
        }
        // The proof is signed for the link the HELLO goes out on, once it is ready (after TLS).
        Handshake.HelloForLink hello = link -> unsigned.withProof(MigrationProof.sign(key, unsigned.certificate(),
                ChannelBinding.forLink(link, name, unsigned.certificate())));
        return ClientConnector.migrate(address, hello, unsigned.epoch(), standby, id, options);
    }

    /**
     * Moves the connection to the server that answered {@code h} (its new holder): under the lock,
     * the new link's sender restarts at the holder's {@code received}, the old link is retired and
     * the bytes below {@code received} are freed (they are in the state the new holder fetched).
     */
    void switchTo(Handshake h) throws IOException {
        Frame.Welcome w = h.welcome();
        // The new holder has every byte below received: its sender restarts there.
        ClientLink link = new ClientLink(conn, h, new SendCursor(w.received()));
        ClientLink old;
        guard.lock();
        try {
            try {
                end.checkFailure();
            } catch (IOException e) {
                link.close();
                throw e;
            }
            if (w.received() > outbound.end()) {
                link.close();
                throw new ProtocolException("new holder claims " + w.received() + " bytes but only "
                        + outbound.end() + " were written");
            }
            if (w.received() < outbound.acked()) {
                // Resumed from a replica older than what the previous holder made stable (a push
                // that went to a later replica in the ranking): the bytes between were freed here.
                link.close();
                throw new ProtocolException("new holder resumes at " + w.received() + " but the bytes below "
                        + outbound.acked() + " were freed (an older replica)");
            }
            conn.unpinLocked(true); // the old holder's acknowledgements held back mean nothing now
            outbound.acknowledged(w.received()); // the new holder has them: they came with the state
            record.migrated(w);
            outbound.peer(w.maxFrameSize(), w.windowEnd(), false);
            old = current;
            if (old != null) {
                old.retired = true;
            }
            current = link;
            conn.linkedLocked(true);
        } finally {
            guard.unlock();
        }
        link.start(ClientConnector.silenceTimeoutMillis(options));
        if (old != null) {
            old.close();
        }
        policies.newHolder(w.server(), System.nanoTime());
    }
}
