package org.mtcp.core.internal.control;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.function.Predicate;
import org.mtcp.core.internal.cert.Hmac;
import org.mtcp.core.internal.cert.KeyRing;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.internal.wire.WireWriter;

/**
 * One authenticated control connection between two pool members.
 *
 * <p>Handshake (mutual challenge-response; the secret never crosses the wire):
 * <pre>
 * initiator -> HELLO{version, nameI, nonceI}
 * responder -> CHALLENGE{version, nameR, nonceR, proofR}   proofR = HMAC(kc, "responder" | transcript)
 * initiator -> AUTH{proofI}                                proofI = HMAC(kc, "initiator" | transcript)
 * </pre>
 * where {@code kc} is the control key derived from the pool secret and the transcript is
 * {@code nonceI | nonceR | nameI | nameR}. Each side checks the other's proof before trusting
 * anything; the initiator also checks it reached the member it meant to. Both then derive the
 * session key {@code HMAC(kc, "session" | transcript)}, fresh per channel thanks to both nonces.
 * During a secret rotation ({@link KeyRing}) the responder proves with its current key; the
 * initiator accepts any key of its ring and answers with the key the responder used, so both
 * derive the session from one key.
 *
 * <p>Afterwards every message is SEALED: {@code seq | mac | inner}, with
 * {@code mac = HMAC(session, direction | seq | inner)} and {@code seq} counting from 0 in each
 * direction. A forged, altered, reflected, replayed or reordered message fails the check and
 * closes the channel.
 *
 * <p>Not thread-safe: one request at a time (the client side pools channels).
 */
public final class ControlChannel implements Closeable {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final FrameReader<ControlMessage> reader;
    private final OutputStream out;
    private final Hmac.Key sessionKey;
    private final byte sendDirection;
    private final byte receiveDirection;
    private final String peerName;
    private long sendSeq;
    private long receiveSeq;

    private ControlChannel(Socket socket, FrameReader<ControlMessage> reader, OutputStream out,
            byte[] sessionKey, boolean initiator, String peerName) {
        this.socket = socket;
        this.reader = reader;
        this.out = out;
        this.sessionKey = new Hmac.Key(sessionKey);
        this.sendDirection = initiator ? ControlCodec.FROM_INITIATOR : ControlCodec.FROM_RESPONDER;
        this.receiveDirection = initiator ? ControlCodec.FROM_RESPONDER : ControlCodec.FROM_INITIATOR;
        this.peerName = peerName;
    }

    /** Authentication failed (wrong secret, unexpected peer); nothing was trusted. */
    public static final class AuthenticationException extends IOException {
        public AuthenticationException(String message) {
            super(message);
        }
    }

    /**
     * Runs the initiator side on a connected socket whose read timeout bounds the handshake.
     *
     * @param controlKey the control key derived from the pool secret
     * @param expectedPeer the member this socket should reach
     */
    public static ControlChannel initiate(Socket socket, byte[] controlKey, String localName,
            String expectedPeer, int maxFrameLength) throws IOException {
        return initiate(socket, KeyRing.single(controlKey), localName, expectedPeer, maxFrameLength);
    }

    /** {@link #initiate(Socket, byte[], String, String, int)} accepting any key of {@code controlKeys}. */
    public static ControlChannel initiate(Socket socket, KeyRing controlKeys, String localName,
            String expectedPeer, int maxFrameLength) throws IOException {
        FrameReader<ControlMessage> reader = new FrameReader<>(socket.getInputStream(),
                new ControlDecoder(maxFrameLength));
        OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        byte[] nonceI = nonce();
        out.write(ControlEncoder.encode(new ControlMessage.Hello(Wire.VERSION, localName, nonceI)));
        out.flush();
        ControlMessage m = reader.read();
        if (m instanceof ControlMessage.Denied d) {
            throw new AuthenticationException("control handshake with " + expectedPeer + " denied: " + d.message());
        }
        if (!(m instanceof ControlMessage.Challenge c)) {
            throw m == null ? new EOFException("control handshake: " + expectedPeer + " closed the connection")
                    : new ProtocolException("control handshake: expected CHALLENGE, got " + m.type());
        }
        byte[] transcript = transcript(nonceI, c.nonce(), localName, c.name());
        KeyRing.Verdict v = controlKeys.check(k -> Hmac.equal(k.mac(bytes("responder"), transcript), c.proof()));
        if (v instanceof KeyRing.Verdict.Refused r) {
            deny(out, "your proof is invalid");
            throw new AuthenticationException("control handshake: " + c.name()
                    + " failed to prove it knows the pool secret: its proof was " + r.reason());
        }
        byte[] controlKey = ((KeyRing.Verdict.Accepted) v).key();   // the responder's: both sessions derive from it
        if (!c.name().equals(expectedPeer)) {
            deny(out, "unexpected member");
            throw new AuthenticationException("control handshake: reached " + c.name()
                    + " instead of " + expectedPeer + " (pool files disagree?)");
        }
        out.write(ControlEncoder.encode(new ControlMessage.Auth(Hmac.mac(controlKey, bytes("initiator"), transcript))));
        out.flush();
        return new ControlChannel(socket, reader, out, Hmac.mac(controlKey, bytes("session"), transcript),
                true, c.name());
    }

    /**
     * Runs the responder side on an accepted socket whose read timeout bounds the handshake.
     *
     * @param isMember which initiator names belong to the pool
     */
    public static ControlChannel respond(Socket socket, byte[] controlKey, String localName,
            Predicate<String> isMember, int maxFrameLength) throws IOException {
        return respond(socket, KeyRing.single(controlKey), localName, isMember, maxFrameLength);
    }

    /** {@link #respond(Socket, byte[], String, Predicate, int)} proving with the ring's signing key, accepting any of its keys. */
    public static ControlChannel respond(Socket socket, KeyRing controlKeys, String localName,
            Predicate<String> isMember, int maxFrameLength) throws IOException {
        FrameReader<ControlMessage> reader = new FrameReader<>(socket.getInputStream(),
                new ControlDecoder(maxFrameLength));
        OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        ControlMessage m = reader.read();
        if (!(m instanceof ControlMessage.Hello h)) {
            throw m == null ? new EOFException("control handshake: peer closed before HELLO")
                    : new ProtocolException("control handshake: expected HELLO, got " + m.type());
        }
        if (!isMember.test(h.name())) {
            deny(out, h.name() + " is not a member of this pool");
            throw new AuthenticationException("control handshake from unknown member " + h.name());
        }
        byte[] nonceR = nonce();
        byte[] transcript = transcript(h.nonce(), nonceR, h.name(), localName);
        out.write(ControlEncoder.encode(new ControlMessage.Challenge(Wire.VERSION, localName, nonceR,
                controlKeys.signing().mac(bytes("responder"), transcript))));
        out.flush();
        m = reader.read();
        if (m instanceof ControlMessage.Denied d) {
            throw new AuthenticationException("control handshake: " + h.name() + " denied: " + d.message());
        }
        if (!(m instanceof ControlMessage.Auth a)) {
            throw m == null ? new EOFException("control handshake: " + h.name() + " closed before AUTH")
                    : new ProtocolException("control handshake: expected AUTH, got " + m.type());
        }
        KeyRing.Verdict v = controlKeys.check(k -> Hmac.equal(k.mac(bytes("initiator"), transcript), a.proof()));
        if (v instanceof KeyRing.Verdict.Refused r) {
            deny(out, "your proof is invalid");
            throw new AuthenticationException("control handshake: " + h.name()
                    + " failed to prove it knows the pool secret: its proof was " + r.reason());
        }
        byte[] controlKey = ((KeyRing.Verdict.Accepted) v).key();
        return new ControlChannel(socket, reader, out, Hmac.mac(controlKey, bytes("session"), transcript),
                false, h.name());
    }

    public String peerName() {
        return peerName;
    }

    public Socket socket() {
        return socket;
    }

    /** Sends {@code inner} sealed with the next sequence number. */
    public void send(ControlMessage inner) throws IOException {
        byte[] innerBytes = ControlEncoder.encodeInner(inner);
        long seq = sendSeq++;
        out.write(ControlEncoder.sealed(seq, sessionKey.mac(sendDirection, seq, innerBytes), innerBytes));
        out.flush();
    }

    /** The next authenticated message, or null at a clean end of stream. */
    public ControlMessage receive() throws IOException {
        ControlMessage m = reader.read();
        if (m == null) {
            return null;
        }
        if (!(m instanceof ControlMessage.Sealed s)) {
            throw new ProtocolException("expected a sealed control message, got " + m.type());
        }
        byte[] expected = sessionKey.mac(receiveDirection, s.seq(), s.innerBytes());
        if (!Hmac.equal(expected, s.mac())) {
            throw new AuthenticationException("control message from " + peerName + " has a bad MAC");
        }
        if (s.seq() != receiveSeq) {
            throw new AuthenticationException("control message from " + peerName + " has sequence "
                    + s.seq() + ", expected " + receiveSeq + " (replayed or reordered)");
        }
        receiveSeq++;
        return s.inner();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    private static void deny(OutputStream out, String message) {
        try {
            out.write(ControlEncoder.encode(new ControlMessage.Denied(message)));
            out.flush();
        } catch (IOException ignored) {
            // best effort: the channel is being dropped anyway
        }
    }

    private static byte[] nonce() {
        byte[] n = new byte[ControlCodec.NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    private static byte[] transcript(byte[] nonceI, byte[] nonceR, String nameI, String nameR) {
        return new WireWriter(128).raw(nonceI).raw(nonceR).string(nameI).string(nameR).toByteArray();
    }

    private static byte[] bytes(String label) {
        return label.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
