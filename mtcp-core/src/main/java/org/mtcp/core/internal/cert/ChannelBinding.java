package org.mtcp.core.internal.cert;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.mtcp.core.internal.wire.Frame.ProofBinding;

/**
 * What a migration proof is tied to on the link it travels (docs/protocol.md, section 3).
 *
 * <ul>
 *   <li>{@link ProofBinding#TLS_EXPORTER}: on a TLS 1.3 link, 32 bytes exported from the link's
 *       session (RFC 8446 section 7.5, label {@value #EXPORTER_LABEL}, context SHA-256 of the
 *       certificate). Both ends compute the same value and nobody else can: a proof made for one
 *       TLS session is worthless on any other.</li>
 *   <li>{@link ProofBinding#SERVER_NAME}: otherwise (a plaintext link, or a JDK without {@code
 *       ExtendedSSLSession.exportKeyingMaterialData}, added in JDK 25), the pool name of the server
 *       the HELLO is for: a proof is good at that server only, and (through the certificate) for
 *       one epoch only.</li>
 * </ul>
 *
 * <p>The exporter is reached through a {@link MethodHandle} looked up once, as the code is
 * compiled for Java 21, whose API does not have it.
 */
public record ChannelBinding(ProofBinding kind, byte[] value) {

    public static final String EXPORTER_LABEL = "EXPORTER-mtcp-migration";
    public static final int EXPORTER_BYTES = 32;
    /** The one TLS version whose exporter is fresh per connection, resumed or not (TLS 1.2's is per session). */
    static final String TLS_13 = "TLSv1.3";

    /** {@code byte[] exportKeyingMaterialData(String, byte[], int)} of {@link ExtendedSSLSession}, or null. */
    private static final MethodHandle EXPORT = exporter();

    private static MethodHandle exporter() {
        try {
            return MethodHandles.publicLookup().findVirtual(ExtendedSSLSession.class, "exportKeyingMaterialData",
                    MethodType.methodType(byte[].class, String.class, byte[].class, int.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // a JDK before 25: proofs on TLS links are bound to the server name
        }
    }

    /** Whether this JDK can export keying material from a TLS session. */
    public static boolean exporterAvailable() {
        return EXPORT != null;
    }

    /** The client's binding for a proof about to go out on {@code link} to pool member {@code server}. */
    public static ChannelBinding forLink(Socket link, String server, byte[] certificate) throws IOException {
        byte[] exported = export(link, certificate);
        return exported != null ? new ChannelBinding(ProofBinding.TLS_EXPORTER, exported) : serverName(server);
    }

    /**
     * The server's view of the binding a proof claims, on the link it arrived on at server {@code
     * self}; null when this side cannot compute it (an exporter claimed on a link that is not TLS
     * 1.3 here, or by a JDK without the exporter): such a proof cannot be checked, so it fails.
     */
    public static ChannelBinding expected(ProofBinding claimed, Socket link, String self, byte[] certificate)
            throws IOException {
        return switch (claimed) {
            case SERVER_NAME -> serverName(self);
            case TLS_EXPORTER -> {
                byte[] exported = export(link, certificate);
                yield exported == null ? null : new ChannelBinding(ProofBinding.TLS_EXPORTER, exported);
            }
        };
    }

    static ChannelBinding serverName(String server) {
        return new ChannelBinding(ProofBinding.SERVER_NAME, server.getBytes(StandardCharsets.UTF_8));
    }

    /** The link's exporter value for {@code certificate}, or null (not TLS 1.3, or no exporter here). */
    static byte[] export(Socket link, byte[] certificate) throws IOException {
        if (EXPORT == null || !(link instanceof SSLSocket tls)) {
            return null;
        }
        SSLSession session = tls.getSession();
        if (!(session instanceof ExtendedSSLSession extended) || !TLS_13.equals(session.getProtocol())) {
            return null;
        }
        try {
            return (byte[]) EXPORT.invokeExact(extended, EXPORTER_LABEL, sha256(certificate), EXPORTER_BYTES);
        } catch (IOException | RuntimeException | Error e) {
            throw e; // SSLKeyException (an IOException): the session cannot export
        } catch (Throwable e) {
            throw new IllegalStateException("exportKeyingMaterialData failed", e);
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelBinding b && kind == b.kind && Arrays.equals(value, b.value);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "binding{" + kind + "}";
    }
}
