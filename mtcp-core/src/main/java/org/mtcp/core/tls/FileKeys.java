package org.mtcp.core.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of a {@link TlsConfig} loaded from {@link TlsFiles}: the context new links use, swapped
 * in one write when a reload succeeds. A reload that fails (a half-written file, a key that does
 * not match its certificate) changes nothing: the previous keys stay in use, and the log says why.
 * Links already established keep the session they negotiated either way.
 */
final class FileKeys {

    private static final Logger LOG = LoggerFactory.getLogger(FileKeys.class);

    /** The keys in use, and the files' fingerprints taken just before they were read. */
    private record Current(SSLContext context, X509Certificate leaf, byte[][] fingerprints) {}

    private final TlsFiles files;
    private final Clock clock;
    private volatile Current current;

    private FileKeys(TlsFiles files, Clock clock, Current first) {
        this.files = files;
        this.clock = clock;
        this.current = first;
    }

    static FileKeys load(TlsFiles files, Clock clock) throws IOException {
        FileKeys keys = new FileKeys(files, clock, read(files, clock));
        LOG.info("TLS keys loaded from {}: {}", files.paths(), describe(keys.current.leaf()));
        return keys;
    }

    private static Current read(TlsFiles files, Clock clock) throws IOException {
        byte[][] fingerprints = FileWatcher.fingerprints(files.paths());
        KeyMaterial.Loaded m = KeyMaterial.load(files, clock);
        for (String w : m.warnings()) {
            LOG.warn("{}", w);
        }
        try {
            return new Current(TlsConfig.context(m.identity(), m.password(), m.trust()), m.leaf(), fingerprints);
        } catch (GeneralSecurityException e) {
            throw new TlsFileException(files.hasIdentity() ? (files.keyStore() != null ? files.keyStore()
                    : files.privateKey()) : files.trust(), "the JDK's TLS refuses these keys: " + e.getMessage(), e);
        }
    }

    SSLContext context() {
        return current.context();
    }

    X509Certificate certificate() {
        return current.leaf();
    }

    TlsFiles files() {
        return files;
    }

    /** The fingerprints of the files the keys in use were read from (taken before reading). */
    byte[][] fingerprints() {
        return current.fingerprints();
    }

    /** Reads the files again; on failure the current keys stay and the exception says why (also logged). */
    synchronized void reload() throws IOException {
        Current next;
        try {
            next = read(files, clock);
        } catch (IOException | RuntimeException e) {
            LOG.warn("TLS reload failed, keeping the current keys ({}): {}", describe(current.leaf()), e.getMessage());
            throw e;
        }
        current = next;
        LOG.info("TLS keys reloaded from {}: new links use {}", files.paths(), describe(next.leaf()));
    }

    static String describe(X509Certificate leaf) {
        if (leaf == null) {
            return "no certificate of its own (trust anchors only)";
        }
        return "certificate " + leaf.getSubjectX500Principal().getName() + ", serial "
                + leaf.getSerialNumber().toString(16) + ", expires " + leaf.getNotAfter().toInstant();
    }
}
