package org.mtcp.core.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for one side of the pool's links: who this side is (a private key and its certificate
 * chain; optional for a client) and whom it trusts (the anchors a peer's chain must end in).
 * TLS 1.3 only: an older version is a downgrade and is refused by both sides.
 *
 * <p>The {@link SSLContext} is read through a supplier on every new link, so a configuration
 * that reloads its keys hands new links the new keys while established ones keep theirs.
 * A configuration {@linkplain #load(TlsFiles) loaded from files} reloads them on {@link #reload()}
 * (an admin endpoint, SIGHUP) and, once {@linkplain #watch(FileWatcher) watched}, when they change.
 */
public final class TlsConfig {

    /** The only protocol either side speaks. */
    public static final String PROTOCOL = "TLSv1.3";

    private final Supplier<SSLContext> context;
    private final boolean hasIdentity;
    /** The files behind this configuration, or null when built from key stores in memory. */
    private final FileKeys files;

    private TlsConfig(Supplier<SSLContext> context, boolean hasIdentity) {
        this.context = context;
        this.hasIdentity = hasIdentity;
        this.files = null;
    }

    private TlsConfig(FileKeys files) {
        this.context = files::context;
        this.hasIdentity = files.files().hasIdentity();
        this.files = files;
    }

    /**
     * A configuration read from files (PEM or PKCS#12/JKS, see {@link TlsFiles}). Every error
     * names the file and what is wrong with it ({@link TlsFileException}); a certificate that is
     * expired, not yet valid or expiring within 14 days is logged as a warning.
     */
    public static TlsConfig load(TlsFiles files) throws IOException {
        return load(files, Clock.systemUTC());
    }

    /** {@link #load(TlsFiles)} judging validity by {@code clock}. */
    static TlsConfig load(TlsFiles files, Clock clock) throws IOException {
        return new TlsConfig(FileKeys.load(files, clock));
    }

    /**
     * Reads the files again (an admin endpoint, SIGHUP): new links get the new keys, established
     * ones keep theirs. When the files cannot be used, the keys in use stay, the reason is logged
     * (WARN) and thrown. A configuration not loaded from files has nothing to reload.
     *
     * @throws IllegalStateException when this configuration was not loaded from files
     */
    public void reload() throws IOException {
        if (files == null) {
            throw new IllegalStateException("this TLS configuration was not loaded from files");
        }
        files.reload();
    }

    /**
     * Reloads whenever {@code watcher} sees one of the files change (failures are logged and keep
     * the keys in use); close the returned watch to stop. Nothing to watch without files.
     */
    public FileWatcher.Watch watch(FileWatcher watcher) {
        if (files == null) {
            throw new IllegalStateException("this TLS configuration was not loaded from files");
        }
        return watcher.watch(files.files().paths(), files.fingerprints(), () -> {
            try {
                files.reload();
            } catch (IOException | RuntimeException e) {
                // FileKeys.reload logged why and kept the keys in use; the next change tries again
            }
        });
    }

    /** The certificate this side presents now (the one new links get), when loaded from files with an identity. */
    public Optional<X509Certificate> certificate() {
        return files == null ? Optional.empty() : Optional.ofNullable(files.certificate());
    }

    /**
     * A configuration from key stores already in memory.
     *
     * @param identity this side's key and chain (one key entry), or null for a client without one
     * @param password the identity's key password (ignored when {@code identity} is null)
     * @param trust the trust anchors (certificate entries)
     */
    public static TlsConfig of(KeyStore identity, char[] password, KeyStore trust) throws GeneralSecurityException {
        Objects.requireNonNull(trust, "trust");
        SSLContext ctx = context(identity, password, trust);
        return new TlsConfig(() -> ctx, identity != null);
    }

    /** A configuration whose context may change over time (reloaded keys); {@code hasIdentity} must hold for every one. */
    static TlsConfig reloading(Supplier<SSLContext> context, boolean hasIdentity) {
        return new TlsConfig(context, hasIdentity);
    }

    static SSLContext context(KeyStore identity, char[] password, KeyStore trust) throws GeneralSecurityException {
        KeyManagerFactory kmf = null;
        if (identity != null) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(identity, password);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance(PROTOCOL);
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /** The context for a new link. */
    public SSLContext context() {
        return context.get();
    }

    /** Whether this side presents a certificate (servers must; clients may, for mutual TLS). */
    public boolean hasIdentity() {
        return hasIdentity;
    }

    /**
     * Layers a client-mode TLS session over {@code connected} (closing the TLS socket closes it).
     * The handshake runs on first use or on {@link SSLSocket#startHandshake()}; the server's
     * certificate must chain to the trust anchors and name {@code host} (hostname verification).
     */
    public SSLSocket client(Socket connected, String host, int port) throws IOException {
        SSLSocket s = (SSLSocket) context().getSocketFactory().createSocket(connected, host, port, true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {PROTOCOL});
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.setUseClientMode(true);
        return s;
    }

    /**
     * Layers a server-mode TLS session over an accepted socket (closing the TLS socket closes it).
     *
     * @param requireClientCertificate true for mutual TLS (the control plane): a peer without a
     *     certificate chaining to the trust anchors fails the handshake
     */
    public SSLSocket server(Socket accepted, boolean requireClientCertificate) throws IOException {
        SSLSocket s = (SSLSocket) context().getSocketFactory().createSocket(accepted, null, accepted.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {PROTOCOL});
        p.setNeedClientAuth(requireClientCertificate);
        s.setSSLParameters(p);
        s.setUseClientMode(false);
        return s;
    }
}
