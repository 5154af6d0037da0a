package org.mtcp.core.tls;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a command's TLS flags say, checked in one place for every command ({@code file-server},
 * {@code proxy}, {@code get}, {@code frontend}, {@code demo}): TLS with these key and trust
 * files, or plaintext by explicit choice. The commands declare the flags (same names
 * everywhere) and hand their values here; the messages name the flags.
 *
 * @param cert {@code --tls-cert}: this side's certificate chain (PEM)
 * @param key {@code --tls-key}: its private key (PEM)
 * @param keyStore {@code --tls-keystore}: or a PKCS#12/JKS key store with one key
 * @param passwordEnv {@code --tls-password-env}: the variable holding the key's or key store's password
 * @param passwordFile {@code --tls-password-file}: or a file holding it
 * @param trust {@code --tls-trust}: the trust anchors (PEM bundle or PKCS#12), overriding the pool file's {@code trust} line
 * @param plaintext {@code --plaintext}: no TLS (tests, loopback demos)
 */
public record TlsFlags(Path cert, Path key, Path keyStore, String passwordEnv, Path passwordFile, Path trust,
        boolean plaintext) {

    /** Who uses the flags: a server must present a key; a client may. */
    public enum Side { SERVER, CLIENT }

    /** The help text the commands share for {@code --plaintext}. */
    public static final String PLAINTEXT_HELP = "run without TLS: links unencrypted, migration certificates "
            + "bound only to a server name (tests and loopback demos; said at start-up)";

    /** The one-line start-up warning of a command running with {@code --plaintext}. */
    public static final String PLAINTEXT_WARNING = "PLAINTEXT (--plaintext): links are not encrypted and "
            + "anyone on the network can read and alter them; use TLS outside tests and loopback demos";

    /** Whether no TLS flag was given at all (not even {@code --plaintext}). */
    public boolean none() {
        return cert == null && key == null && keyStore == null && passwordEnv == null && passwordFile == null
                && trust == null && !plaintext;
    }

    /**
     * The files to load, or empty for {@code --plaintext}.
     *
     * @param poolTrust the pool file's {@code trust file:} anchors, if it names them
     * @throws IllegalArgumentException with a message for the user, naming the flags, when the
     *     flags are contradictory or incomplete
     */
    public Optional<TlsFiles> files(Side side, Optional<Path> poolTrust) {
        List<String> tlsFlags = given();
        if (plaintext) {
            if (!tlsFlags.isEmpty()) {
                throw new IllegalArgumentException("--plaintext cannot be combined with " + String.join(", ", tlsFlags)
                        + ": choose TLS or plaintext");
            }
            return Optional.empty();
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException(cert == null ? "--tls-key needs --tls-cert (the certificate chain for the key)"
                    : "--tls-cert needs --tls-key (the private key of the certificate)");
        }
        if (keyStore != null && cert != null) {
            throw new IllegalArgumentException("give either --tls-cert and --tls-key (PEM) or --tls-keystore (PKCS#12), not both");
        }
        if (passwordEnv != null && passwordFile != null) {
            throw new IllegalArgumentException("give either --tls-password-env or --tls-password-file, not both");
        }
        boolean identity = cert != null || keyStore != null;
        if (!identity && (passwordEnv != null || passwordFile != null)) {
            throw new IllegalArgumentException("--tls-password-env/--tls-password-file is the password of --tls-key "
                    + "or --tls-keystore, and neither is given");
        }
        if (side == Side.SERVER && !identity) {
            throw new IllegalArgumentException("no TLS key: give --tls-cert FILE and --tls-key FILE (PEM) or "
                    + "--tls-keystore FILE (PKCS#12), or --plaintext to run without TLS (tests and loopback only)");
        }
        Path anchors = trust != null ? trust : poolTrust.orElse(null);
        if (anchors == null) {
            throw new IllegalArgumentException("no TLS trust anchors: add 'trust file:CA.crt' to the pool file or give "
                    + "--tls-trust FILE" + (side == Side.CLIENT && !identity ? ", or --plaintext to run without TLS" : ""));
        }
        TlsFiles.Password password = passwordEnv != null ? TlsFiles.Password.environment(passwordEnv)
                : passwordFile != null ? TlsFiles.Password.file(passwordFile) : TlsFiles.Password.none();
        if (keyStore != null) {
            return Optional.of(TlsFiles.keyStore(keyStore, password, anchors));
        }
        if (cert != null) {
            return Optional.of(TlsFiles.pem(cert, key, password, anchors));
        }
        return Optional.of(TlsFiles.trustOnly(anchors));
    }

    private List<String> given() {
        List<String> out = new ArrayList<>();
        if (cert != null) {
            out.add("--tls-cert");
        }
        if (key != null) {
            out.add("--tls-key");
        }
        if (keyStore != null) {
            out.add("--tls-keystore");
        }
        if (passwordEnv != null) {
            out.add("--tls-password-env");
        }
        if (passwordFile != null) {
            out.add("--tls-password-file");
        }
        if (trust != null) {
            out.add("--tls-trust");
        }
        return out;
    }
}
