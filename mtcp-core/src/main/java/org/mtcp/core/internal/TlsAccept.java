package org.mtcp.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.mtcp.core.tls.TlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting side's TLS step, on the accepted connection's own thread (never the accept
 * loop's: a slow or plaintext peer delays nobody else), bounded by the handshake timeout. A peer
 * that is refused (speaks plaintext, offers no TLS 1.3, presents no trusted certificate, says
 * nothing in time) is logged at WARN once per peer address and minute, and closed.
 *
 * <p>Also the control plane's naming rule ({@link #names}): a member's certificate names it.
 */
public final class TlsAccept {

    private static final Logger LOG = LoggerFactory.getLogger(TlsAccept.class);
    /** A TLS record of type handshake starts with this byte; a ClientHello always comes first. */
    private static final int TLS_HANDSHAKE_RECORD = 0x16;
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Peer addresses remembered for rate-limiting; the table is cleared when it grows past this. */
    private static final int MAX_REMEMBERED = 4096;

    private final String serverName;
    private final String what;
    private final TlsConfig tls;
    private final boolean mutual;
    private final int handshakeTimeoutMillis;
    private final Map<InetAddress, Long> lastWarned = new ConcurrentHashMap<>();

    /**
     * @param what the port, for log lines ("service", "control")
     * @param mutual whether the peer must present a certificate chaining to the trust anchors
     */
    public TlsAccept(String serverName, String what, TlsConfig tls, boolean mutual, int handshakeTimeoutMillis) {
        this.serverName = serverName;
        this.what = what;
        this.tls = tls;
        this.mutual = mutual;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    /**
     * Runs the server side of the TLS handshake on {@code accepted}: the secured socket (read
     * timeout: the handshake timeout), or null when the peer was refused (then {@code accepted}
     * is closed and the refusal logged). A peer whose first byte cannot begin a TLS record is
     * told in plaintext, if it speaks M-TCP, that this port needs TLS (RESET protocol-error).
     */
    public SSLSocket secure(Socket accepted) {
        try {
            accepted.setTcpNoDelay(true);
            accepted.setSoTimeout(handshakeTimeoutMillis);
            PushbackInputStream in = new PushbackInputStream(accepted.getInputStream(), 1);
            int first = in.read();
            if (first < 0) {
                LOG.debug("{}: {} connection from {} closed before the TLS handshake", serverName, what,
                        accepted.getRemoteSocketAddress());
                closeQuietly(accepted);
                return null;
            }
            if (first != TLS_HANDSHAKE_RECORD) {
                refusePlaintext(accepted);
                return null;
            }
            in.unread(first);
            boundClose(accepted);
            SSLSocket s = layer(accepted, in);
            s.startHandshake();
            return s;
        } catch (SocketTimeoutException e) {
            warn(accepted, "no TLS handshake within the handshake timeout of " + handshakeTimeoutMillis + " ms");
        } catch (SSLException e) {
            warn(accepted, explain(e));
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: {} connection from {} lost during the TLS handshake: {}", serverName, what,
                    accepted.getRemoteSocketAddress(), e.toString());
        }
        closeQuietly(accepted);
        return null;
    }

    /**
     * A TLS link's close must not hang: the JDK's TLS close takes the record lock to send
     * close_notify, which a sender blocked in a write to a peer that stopped reading holds
     * forever (without SO_LINGER it waits for it unbounded). With SO_LINGER it waits at most that
     * long, then shuts the output down (the blocked writer fails) and closes. One second: a
     * close with nothing stuck is not slowed at all.
     */
    public static void boundClose(Socket raw) throws java.net.SocketException {
        raw.setSoLinger(true, CLOSE_LINGER_SECONDS);
    }

    /** See {@link #boundClose}. */
    public static final int CLOSE_LINGER_SECONDS = 1;

    /** TLS over {@code accepted} whose first byte was read already ({@code in} gives it back). */
    private SSLSocket layer(Socket accepted, InputStream in) throws IOException {
        // TlsConfig.server without the byte consumed; same parameters (TLS 1.3 only).
        SSLSocket s = (SSLSocket) tls.context().getSocketFactory().createSocket(accepted, in, true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {TlsConfig.PROTOCOL});
        p.setNeedClientAuth(mutual);
        s.setSSLParameters(p);
        s.setUseClientMode(false);
        return s;
    }

    private void refusePlaintext(Socket accepted) {
        warn(accepted, "it speaks plaintext (not TLS) on a TLS-only " + what + " port: configure TLS on that client");
        try {
            OutputStream out = accepted.getOutputStream();
            // The same framing as RESET (code 1, protocol-error), written without the wire
            // package's encoder so that this class depends on nothing of the protocol: a
            // plaintext M-TCP client reads why; anything else sees a few bytes and the close.
            out.write(plaintextReset("this " + what + " port speaks TLS 1.3 only; the client must use TLS"));
            out.flush();
        } catch (IOException e) {
            LOG.debug("{}: plaintext peer {} gone before the answer: {}", serverName, accepted.getRemoteSocketAddress(), e.toString());
        }
        closeQuietly(accepted);
    }

    private static byte[] plaintextReset(String message) {
        byte[] m = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 1 + 2 + 2 + m.length + 2);
        b.putInt(1 + 2 + 2 + m.length + 2).put((byte) 0x09).putShort((short) 1)
                .putShort((short) m.length).put(m).putShort((short) 0);
        return b.array();
    }

    /** A refusal, at WARN once per peer address and minute (a scanner must not flood the log). */
    public void warn(Socket peer, String why) {
        InetAddress address = peer.getInetAddress();
        long now = System.nanoTime();
        Long last = address == null ? null : lastWarned.get(address);
        if (address != null && last != null && now - last < WARN_EVERY_NANOS) {
            LOG.debug("{}: {} connection from {} refused: {}", serverName, what, peer.getRemoteSocketAddress(), why);
            return;
        }
        if (address != null) {
            if (lastWarned.size() >= MAX_REMEMBERED) {
                lastWarned.clear();
            }
            lastWarned.put(address, now);
        }
        LOG.warn("{}: {} connection from {} refused: {}", serverName, what, peer.getRemoteSocketAddress(), why);
    }

    /** Why the peer failed the handshake, in words an operator can act on, then the JDK's message. */
    private String explain(SSLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateExpiredException) {
                return "its certificate has expired (" + e.getMessage() + ")";
            }
            if (t instanceof java.security.cert.CertPathBuilderException) {
                return "its certificate is not issued by a trusted anchor (" + e.getMessage() + ")";
            }
        }
        String m = String.valueOf(e.getMessage());
        String lower = m.toLowerCase(Locale.ROOT);
        if (lower.contains("protocol version") || lower.contains("protocol_version")) {
            return "it offers no TLS 1.3 (downgrade refused) (" + m + ")";
        }
        if (lower.contains("empty client certificate chain") || lower.contains("certificate_required")) {
            return "it presented no certificate (mutual TLS) (" + m + ")";
        }
        if (lower.contains("certificate_expired")) {
            return "it refused this server's certificate as expired (" + m + ")";
        }
        if (lower.contains("certificate_unknown") || lower.contains("bad_certificate") || lower.contains("unknown_ca")) {
            return "it refused this server's certificate (" + m + ")";
        }
        if (lower.contains("remote host terminated")) {
            return "it closed the connection during the TLS handshake (" + m + ")";
        }
        return "TLS handshake failed: " + m;
    }

    // ------------------------------------------------------------------ certificate names

    /**
     * The control plane's naming rule: the peer's certificate names {@code member} when one of
     * its DNS subject alternative names, or else its subject CN, equals the member name (ignoring
     * case, as DNS names do). So a certificate issued to one member cannot speak as another.
     */
    public static boolean names(SSLSession session, String member) {
        X509Certificate c = peerCertificate(session);
        if (c == null) {
            return false;
        }
        for (String n : dnsNames(c)) {
            if (n.equalsIgnoreCase(member)) {
                return true;
            }
        }
        String cn = commonName(c);
        return cn != null && cn.equalsIgnoreCase(member);
    }

    /** The peer certificate's subject and DNS names, for log lines and refusals. */
    public static String describe(SSLSession session) {
        X509Certificate c = peerCertificate(session);
        return c == null ? "no certificate"
                : "subject " + c.getSubjectX500Principal().getName() + ", DNS names " + dnsNames(c);
    }

    private static X509Certificate peerCertificate(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null; // no certificate presented: names nothing
        }
    }

    private static List<String> dnsNames(X509Certificate c) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = c.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String s) {
                        names.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // an unreadable extension names nothing
        }
        return names;
    }

    /** The first CN of the subject (RFC 2253 form: escaped commas and plus signs stay in values). */
    private static String commonName(X509Certificate c) {
        String dn = c.getSubjectX500Principal().getName(javax.security.auth.x500.X500Principal.RFC2253);
        StringBuilder attribute = new StringBuilder();
        for (int i = 0; i <= dn.length(); i++) {
            char ch = i < dn.length() ? dn.charAt(i) : ',';
            if (ch == '\\' && i + 1 < dn.length()) {
                attribute.append(dn.charAt(++i));
            } else if (ch == ',' || ch == '+') {
                String a = attribute.toString();
                if (a.regionMatches(true, 0, "CN=", 0, 3)) {
                    return a.substring(3);
                }
                attribute.setLength(0);
            } else {
                attribute.append(ch);
            }
        }
        return null;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a refused connection
        }
    }
}
