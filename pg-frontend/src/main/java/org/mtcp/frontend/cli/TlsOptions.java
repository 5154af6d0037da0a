package org.mtcp.frontend.cli;

import java.nio.file.Path;
import org.mtcp.core.tls.TlsFlags;
import picocli.CommandLine.Option;

/**
 * The TLS options of {@code mtcp frontend} and {@code mtcp demo} (a picocli mixin): the same names
 * as every other command's, checked by {@link TlsFlags} (docs/frontend.md, "TLS").
 */
public final class TlsOptions {

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "The front-end's certificate chain (PEM, leaf first); with --tls-key.")
    Path cert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "Its private key (PEM: PKCS#8, PKCS#1, SEC1 or encrypted PKCS#8).")
    Path key;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "Or a PKCS#12 (or JKS) key store holding the one key and its chain.")
    Path keyStore;

    @Option(names = "--tls-password-env", paramLabel = "VAR",
            description = "Environment variable holding the password of an encrypted key or of the key store.")
    String passwordEnv;

    @Option(names = "--tls-password-file", paramLabel = "FILE", description = "Or a file holding it.")
    Path passwordFile;

    @Option(names = "--tls-trust", paramLabel = "FILE",
            description = "Trust anchors (PEM bundle or PKCS#12) that check the pool's servers; ./mtcp frontend "
                    + "defaults to the pool file's 'trust file:' line.")
    Path trust;

    @Option(names = "--plaintext", description = TlsFlags.PLAINTEXT_HELP)
    boolean plaintext;

    /** The values given, for {@link TlsFlags#files}. */
    public TlsFlags flags() {
        return new TlsFlags(cert, key, keyStore, passwordEnv, passwordFile, trust, plaintext);
    }
}
