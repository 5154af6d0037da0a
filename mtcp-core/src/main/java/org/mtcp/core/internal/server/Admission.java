package org.mtcp.core.internal.server;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.internal.cert.Certificate;
import org.mtcp.core.internal.cert.CertificateAuthority;
import org.mtcp.core.internal.cert.CertificateException;
import org.mtcp.core.internal.cert.ChannelBinding;
import org.mtcp.core.internal.cert.MigrationProof;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service port's handshakes for one {@link ServerEngine}, one thread per accepted socket:
 * HELLO{new} opens a connection; HELLO{migrate} takes one over (or readmits a client that lost
 * its WELCOME); HELLO{standby} opens an idle standby link on which a HELLO{migrate} may come later.
 *
 * <p>Takeover, as built (docs/protocol.md, section 6, "Migration"): verify the certificate; refuse a
 * stale one (this server or a tombstone knows a later epoch); fetch the state through the {@link
 * org.mtcp.core.transfer.StateTransfer} (the holder freezes the connection, fencing its epoch);
 * install the connection at epoch + 1; answer WELCOME with a new certificate; queue it for
 * {@code accept()}. The sender then starts from the client's position, first with the retained
 * copy, then with what the application regenerates beyond it. With replicated transfer a target
 * that keeps a replica covering the HELLO's {@code acked} resumes from it without the FETCH and
 * fences the holder in the background (docs/protocol.md, section 10, "Migration to a replica").
 */
final class Admission {

    private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

    /** A handshake refused: the RESET sent to the client. */
    private static final class Refusal extends Exception {
        final ResetCode code;
        final String hint;

        Refusal(ResetCode code, String message, String hint) {
            super(message, null, false, false);
            this.code = code;
            this.hint = hint == null ? "" : hint;
        }
    }

    private final ServerEngine engine;
    private final ServerOptions options;
    private final CertificateAuthority certificates;
    private final ConnectionTable table;

    Admission(ServerEngine engine) {
        this.engine = engine;
        this.options = engine.options();
        this.certificates = engine.certificates();
        this.table = engine.table();
    }

    void handshake(Socket s) {
        boolean handedOff = false;
        ServerLink link = null;
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(millis(options.handshakeTimeout()));
            PushbackInputStream in = new PushbackInputStream(s.getInputStream(), 1);
            FrameReader<Frame> reader = new FrameReader<>(in, new FrameDecoder(options.maxFrameSize()));
            link = new ServerLink(s, reader);
            Frame f;
            try {
                if (startsWithText(in)) {
                    engine.counters().rejected();
                    answerNotMtcp(s);
                    return;
                }
                f = reader.read();
            } catch (SocketTimeoutException e) {
                throw new Refusal(ResetCode.LIMIT_EXCEEDED, "no HELLO within the handshake timeout of "
                        + options.handshakeTimeout().toMillis() + " ms", "");
            } catch (ProtocolException e) {
                throw new Refusal(ResetCode.PROTOCOL_ERROR, "bad handshake: " + e.getMessage(), "");
            }
            if (f == null) {
                engine.counters().rejected();
                return;
            }
            if (!(f instanceof Frame.Hello h)) {
                throw new Refusal(ResetCode.PROTOCOL_ERROR, "expected HELLO, got " + f.type(), "");
            }
            checkAdmissible(link, h);
            boolean onStandby = false;
            if (h.kind() == Frame.HelloKind.STANDBY) {
                h = standBy(s, reader, link, h);
                if (h == null) {
                    return; // the client closed its standby link, or went silent
                }
                checkAdmissible(link, h);
                onStandby = true;
            }
            handedOff = switch (h.kind()) {
                case NEW -> openNew(link, h);
                case MIGRATE -> takeOver(link, h, onStandby);
                case STANDBY -> throw new Refusal(ResetCode.PROTOCOL_ERROR, "a second standby HELLO", "");
            };
        } catch (Refusal r) {
            engine.counters().rejected();
            LOG.debug("{}: refused handshake from {}: {} {}", engine.name(), s.getRemoteSocketAddress(), r.code, r.getMessage());
            if (link != null) {
                try {
                    link.writeNow(FrameEncoder.encode(new Frame.Reset(r.code, r.getMessage(), r.hint)));
                } catch (IOException ignored) {
                    // the client is gone; nothing to tell
                }
            }
        } catch (IOException | RuntimeException e) {
            engine.counters().rejected();
            LOG.debug("{}: handshake from {} failed: {}", engine.name(), s.getRemoteSocketAddress(), e.toString());
        } finally {
            engine.handshakeEnded(s);
            if (!handedOff) {
                if (link != null) {
                    gracefulClose(s);
                } else {
                    closeQuietly(s);
                }
            }
        }
    }

    private boolean openNew(ServerLink link, Frame.Hello h) throws Refusal, IOException {
        checkCapacity();
        ConnectionId id = ConnectionId.random();
        ServerConnection conn = ServerConnection.fresh(engine, id);
        try {
            conn.attach(link, h);
        } catch (ProtocolException e) {
            throw new Refusal(ResetCode.PROTOCOL_ERROR, e.getMessage(), "");
        }
        Certificate cert = certificates.issue(id, 0, engine.name(), h.clientKey()); // unbound before version 5
        conn.setCertificate(cert);
        table.put(conn);
        try {
            conn.replicateStart();
        } catch (IOException e) {
            table.remove(id, conn);
            throw e;
        }
        try {
            link.writeNow(FrameEncoder.encode(welcome(link, conn, cert)));
        } catch (IOException e) {
            table.remove(id, conn);
            throw e;
        }
        link.start(conn, silenceTimeout(h));
        engine.counters().accepted();
        engine.enqueue(conn);
        LOG.debug("{}: new connection {} from {}", engine.name(), id, link.remote);
        return true;
    }

    /** Version, then whether this server takes handshakes at all (not while closing or draining). */
    private void checkAdmissible(ServerLink link, Frame.Hello h) throws Refusal {
        if (!FrameDecoder.spoken(h.version())) {
            throw new Refusal(ResetCode.UNSUPPORTED_VERSION, "protocol version " + h.version()
                    + " is not supported (this server speaks " + Wire.VERSION + " to "
                    + Wire.SERVICE_VERSION + ")", "");
        }
        link.clientVersion = h.version();
        if (engine.refusesHandshakes()) {
            throw new Refusal(ResetCode.SHUTDOWN, "server " + engine.name() + " is shutting down", "");
        }
    }

    /**
     * A standby link (docs/protocol.md, "Standby link"): the certificate is checked as for a
     * takeover (nothing is taken over: it names a connection held elsewhere, maybe here), a
     * control channel to its holder is opened ahead if none is idle (the takeover's FETCH then
     * costs one round trip), then the link idles, answering PINGs, until the client's HELLO{migrate}
     * for the same connection, which this returns; null when the client closed the link or went
     * silent beyond its keepalive bound.
     */
    private Frame.Hello standBy(Socket s, FrameReader<Frame> reader, ServerLink link, Frame.Hello h)
            throws Refusal, IOException {
        Certificate c = verify(h);
        engine.pool().member(c.holder()).ifPresent(engine::warmControlChannel);
        engine.counters().standbyOpened();
        try {
            s.setSoTimeout(silenceTimeout(h));
            while (true) {
                Frame f;
                try {
                    f = reader.read();
                } catch (SocketTimeoutException e) {
                    return null; // missed keepalives: the client is gone
                } catch (ProtocolException e) {
                    throw new Refusal(ResetCode.PROTOCOL_ERROR, "bad frame on a standby link: " + e.getMessage(), "");
                }
                switch (f) {
                    case null -> {
                        return null;
                    }
                    case Frame.Ping p -> link.writeNow(FrameEncoder.encode(new Frame.Pong(p.nonce())));
                    case Frame.Hello m when m.kind() == Frame.HelloKind.MIGRATE && h.id().equals(m.id()) -> {
                        s.setSoTimeout(millis(options.handshakeTimeout()));
                        return m;
                    }
                    default -> throw new Refusal(ResetCode.PROTOCOL_ERROR, "expected PING or HELLO{migrate} for "
                            + h.id() + " on a standby link, got " + f, "");
                }
            }
        } finally {
            engine.counters().standbyClosed();
        }
    }

    /** The certificate of a HELLO{migrate} or {standby}: authentic, unexpired, of a pool member. */
    private Certificate verify(Frame.Hello h) throws Refusal {
        Certificate c;
        try {
            c = certificates.verify(h.certificate(), h.id(), h.epoch());
        } catch (CertificateException e) {
            throw new Refusal(e.code(), e.getMessage(), "");
        }
        if (engine.pool().member(c.holder()).isEmpty()) {
            throw new Refusal(ResetCode.BAD_CERTIFICATE, "certificate names holder '" + c.holder()
                    + "', which is not in this pool", "");
        }
        return c;
    }

    /**
     * That the sender of a HELLO{migrate} holds the key its certificate is bound to (docs/protocol.md,
     * section 3): checked after the certificate's MAC, before anything about the connection is
     * looked at. A bound certificate needs a valid proof whatever the HELLO's version (an older
     * HELLO has none: no downgrade); a version-5 HELLO needs a bound certificate (its client got
     * one with its first HELLO). Unbound certificates, issued to clients before version 5, stay
     * bearer tokens in older HELLOs.
     */
    private void checkProof(ServerLink link, Frame.Hello h, Certificate c) throws Refusal, IOException {
        boolean versionBinds = h.version() >= Wire.BOUND_CERTIFICATE_VERSION;
        if (!c.bound()) {
            if (versionBinds) {
                throw new Refusal(ResetCode.BAD_PROOF, "certificate for connection " + c.id()
                        + " is not bound to a client key, but a version " + h.version() + " HELLO must present a bound one", "");
            }
            return;
        }
        if (h.proof() == null) {
            throw new Refusal(ResetCode.BAD_PROOF, "certificate for connection " + c.id()
                    + " is bound to its client's key and this HELLO (version " + h.version()
                    + ") carries no proof of holding it", "");
        }
        ChannelBinding expected;
        try {
            expected = ChannelBinding.expected(h.proof().binding(), link.socket, engine.name(), h.certificate());
        } catch (SSLException e) {
            throw new Refusal(ResetCode.BAD_PROOF, "migration proof is bound to a TLS session whose keying material "
                    + engine.name() + " cannot export: " + e.getMessage(), "");
        }
        if (expected == null) {
            throw new Refusal(ResetCode.BAD_PROOF, "migration proof is bound to a TLS session, but this link at "
                    + engine.name() + " has no TLS 1.3 keying material to check it against"
                    + (ChannelBinding.exporterAvailable() ? "" : " (this JDK cannot export it)"), "");
        }
        if (!MigrationProof.verify(c.clientKey(), h.certificate(), expected, h.proof())) {
            throw new Refusal(ResetCode.BAD_PROOF, "migration proof for connection " + c.id() + " does not verify ("
                    + h.proof().binding().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                    + " binding): the certificate was issued to another client, or the proof was made for another "
                    + (h.proof().binding() == Frame.ProofBinding.TLS_EXPORTER ? "TLS session" : "server"), "");
        }
    }

    private boolean takeOver(ServerLink link, Frame.Hello h, boolean onStandby) throws Refusal, IOException {
        // The FETCH starts as soon as the certificate, its proof and the connection table say it may.
        Certificate c = verify(h);
        checkProof(link, h, c);
        ConnectionId id = h.id();
        ServerConnection existing = table.get(id);
        if (existing != null && existing.epoch() > c.epoch()) {
            if (existing.epoch() == c.epoch() + 1) {
                switch (existing.readmission(c.mac())) {
                    case READMIT -> {
                        return readmit(existing, link, h);
                    }
                    case BUSY -> throw new Refusal(ResetCode.BUSY, "connection " + id
                            + " is being attached here with this certificate; ask again", "");
                    case NO -> { }
                }
            }
            throw new Refusal(ResetCode.STALE_CERTIFICATE, "certificate for epoch " + c.epoch()
                    + " is stale: connection " + id + " is at epoch " + existing.epoch() + " on " + engine.name(), engine.name());
        }
        ConnectionTable.Tombstone t = table.tombstone(id);
        if (existing == null && t != null && t.epoch() >= c.epoch()) {
            throw new Refusal(ResetCode.STALE_CERTIFICATE, "certificate for epoch " + c.epoch()
                    + " is stale: connection " + id + " left epoch " + t.epoch() + " for " + t.newHolder(),
                    t.newHolder());
        }
        checkCapacity();
        if (!table.beginTakeover(id)) {
            throw new Refusal(ResetCode.BUSY, "a migration of connection " + id
                    + " is already in progress at " + engine.name(), "");
        }
        ConnectionState st;
        try {
            st = options.stateTransfer().acquire(id, c.epoch(), c.holder(), h.acked(), engine);
        } catch (TransferException e) {
            table.endTakeover(id);
            engine.takeovers().ended();
            throw switch (e.reason()) {
                case MOVED -> new Refusal(ResetCode.STALE_CERTIFICATE, "certificate for epoch " + c.epoch()
                        + " is stale: " + e.getMessage(), e.hint());
                case UNKNOWN -> new Refusal(ResetCode.UNKNOWN_CONNECTION, e.getMessage(), "");
                case UNREACHABLE -> new Refusal(ResetCode.HOLDER_UNREACHABLE, "cannot take connection " + id
                        + " over: " + e.getMessage(), "");
                case REFUSED -> new Refusal(ResetCode.OTHER, "cannot take connection " + id
                        + " over: " + e.getMessage(), "");
            };
        } catch (IOException | RuntimeException e) {
            table.endTakeover(id);
            engine.takeovers().ended();
            throw new Refusal(ResetCode.OTHER, "cannot take connection " + id + " over: " + e, "");
        }
        try {
            ServerConnection conn = ServerConnection.takenOver(engine, st, c.mac());
            Certificate next = certificates.issue(id, conn.epoch(), engine.name(), c.clientKey());
            conn.setCertificate(next);
            table.put(conn);
            TakeoverReplicas.Source source = engine.takeovers().installed(st);
            boolean claimed = source == TakeoverReplicas.Source.REPLICA_CLAIMED;
            engine.counters().migratedIn(onStandby, source);
            try {
                conn.attach(link, h);
            } catch (ProtocolException e) {
                conn.reset(ResetCode.PROTOCOL_ERROR, "connection " + id + ": " + e.getMessage());
                throw new Refusal(ResetCode.PROTOCOL_ERROR, e.getMessage(), "");
            }
            if (!claimed) {
                conn.replicateStart(); // fenced (a later epoch exists): the handshake fails, the client tries on
            } else {
                // Off the critical path (docs/protocol.md 10, "Migration to a replica"): the state
                // this epoch starts from goes to this holder's replicas while the WELCOME travels
                // (started first, so that it is on its way before the client can see the WELCOME);
                // a STORE of the new epoch also fences the old holder where it is a replica.
                Threads.start("mtcp-replicate-" + engine.name(), () -> {
                    try {
                        conn.replicateStart();
                    } catch (IOException e) {
                        // fenced meanwhile (a later epoch exists): the connection says so to its application
                        LOG.debug("{}: connection {}: start state not replicated: {}", engine.name(), id, e.toString());
                    }
                });
            }
            try {
                link.writeNow(FrameEncoder.encode(welcome(link, conn, next)));
            } catch (IOException e) {
                // The client may come back with the same certificate (see ServerConnection.readmission).
                conn.linkEnded(link, "WELCOME could not be sent: " + e);
                engine.enqueue(conn); // taken over all the same: the application regenerates, the client may return
                throw e;
            }
            link.start(conn, silenceTimeout(h));
            // The application hears of the connection after the WELCOME left (issue 12): waking
            // it before would compete with the WELCOME for the CPU.
            engine.enqueue(conn);
            if (options.stateTransfer().pushesOnExport()) {
                // The previous epoch's replicas are superseded: dropped, so that a replayed
                // certificate of that epoch cannot resume from one if its holder is gone. The
                // FORGET also fences the old holder when it was not asked (a claimed replica).
                engine.forgetReplicas(id, c.epoch());
            }
            LOG.debug("{}: took connection {} over from {} at epoch {} ({} bytes of state, {})", engine.name(), id,
                    c.holder(), conn.epoch(), st.sizeInBytes(), source);
            return true;
        } finally {
            table.endTakeover(id);
            engine.takeovers().ended();
        }
    }

    /** A client that lost our WELCOME came back with the certificate that brought it here. */
    private boolean readmit(ServerConnection conn, ServerLink link, Frame.Hello h) throws Refusal, IOException {
        try {
            conn.attach(link, h);
        } catch (ProtocolException e) {
            throw new Refusal(ResetCode.PROTOCOL_ERROR, e.getMessage(), "");
        }
        link.writeNow(FrameEncoder.encode(welcome(link, conn, conn.certificate())));
        link.start(conn, silenceTimeout(h));
        LOG.debug("{}: readmitted connection {} at epoch {}", engine.name(), conn.id(), conn.epoch());
        return true;
    }

    private void checkCapacity() throws Refusal {
        if (table.size() >= options.maxConnections()) {
            throw new Refusal(ResetCode.LIMIT_EXCEEDED, "server " + engine.name() + " holds " + table.size()
                    + " connections, its maxConnections", "");
        }
    }

    /** WELCOME in the version of the client's HELLO on {@code link}. */
    private Frame.Welcome welcome(ServerLink link, ServerConnection conn, Certificate cert) {
        return new Frame.Welcome(link.clientVersion, conn.id(), conn.epoch(), engine.name(), cert.encode(),
                conn.receivedOffset(), conn.windowEndOffset(), options.maxFrameSize(),
                millis(options.keepaliveInterval()), engine.announcedPeers());
    }

    private int silenceTimeout(Frame.Hello h) {
        long interval = Math.max(h.keepaliveMillis(), options.keepaliveInterval().toMillis());
        return (int) Math.min(Integer.MAX_VALUE, interval * options.missedKeepalives());
    }

    /**
     * Whether the stream starts with an ASCII capital: an HTTP request line (or other text), never
     * an M-TCP frame, whose 4-byte length would then exceed any frame size. Peeks one byte.
     */
    private static boolean startsWithText(PushbackInputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return false;
        }
        in.unread(first);
        return first >= 'A' && first <= 'Z';
    }

    /** A plain HTTP client (curl, a browser) at a service port: an answer it can show, not a binary RESET. */
    private void answerNotMtcp(Socket s) {
        byte[] body = ("This is the M-TCP service port of server " + engine.name() + ", not HTTP: connect through "
                + "./mtcp proxy --pool FILE --listen HOST:PORT, or with an MtcpSocket (docs/cli.md).\n")
                .getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n";
        try {
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (IOException e) {
            LOG.debug("{}: plain client at {} gone before the answer: {}", engine.name(), s.getRemoteSocketAddress(), e.toString());
        }
        LOG.debug("{}: plain (non-M-TCP) client at {} told to use the proxy", engine.name(), s.getRemoteSocketAddress());
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** After a refusal: let the RESET arrive before the close (no RST on unread input). */
    private static void gracefulClose(Socket s) {
        try {
            s.shutdownOutput();
            s.setSoTimeout(200);
            byte[] sink = new byte[4096];
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (System.nanoTime() < deadline && s.getInputStream().read(sink) >= 0) {
                // drain whatever the client still sends until it closes
            }
        } catch (IOException ignored) {
            // the client is gone or silent
        } finally {
            closeQuietly(s);
        }
    }
}
