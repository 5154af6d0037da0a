package org.mtcp.webapp.demo;

import java.nio.file.Path;
import java.util.Optional;
import org.mtcp.core.tls.TlsFiles;
import org.mtcp.core.tls.TlsFlags;
import picocli.CommandLine.Option;

/**
 * The TLS flags of {@code mtcp demo} (a picocli mixin; the same names as every {@code mtcp}
 * command), checked by {@link TlsFlags}. Unlike the other commands, no flag at all is not an
 * error here: the demo then makes a throwaway CA in memory.
 */
public final class DemoTlsOptions {

    @Option(names = "--tls-cert", paramLabel = "FILE", order = 100,
            description = "TLS: the front-ends' certificate chain (PEM) instead of the throwaway CA; one key for every "
                    + "front-end, so the certificate must name fe1, fe2, ... and 127.0.0.1 (./mtcp certs issue fe1 "
                    + "--hosts fe2,fe3 ...). With --tls-key and --tls-trust.")
    Path cert;

    @Option(names = "--tls-key", paramLabel = "FILE", order = 101, description = "TLS: the private key of --tls-cert (PEM).")
    Path key;

    @Option(names = "--tls-keystore", paramLabel = "FILE", order = 102,
            description = "TLS: instead of --tls-cert/--tls-key, a PKCS#12 (or JKS) key store holding one key.")
    Path keyStore;

    @Option(names = "--tls-password-env", paramLabel = "VAR", order = 103,
            description = "The environment variable holding the password of --tls-key (encrypted) or --tls-keystore.")
    String passwordEnv;

    @Option(names = "--tls-password-file", paramLabel = "FILE", order = 104, description = "Or a file holding it.")
    Path passwordFile;

    @Option(names = "--tls-trust", paramLabel = "FILE", order = 105,
            description = "TLS trust anchors (PEM bundle or PKCS#12) checking the front-ends' certificate; needed with "
                    + "--tls-cert or --tls-keystore.")
    Path trust;

    @Option(names = "--plaintext", order = 106, description = TlsFlags.PLAINTEXT_HELP + ".")
    boolean plaintext;

    /**
     * What the flags choose.
     *
     * @throws IllegalArgumentException with a message naming the flags
     */
    DemoTls choice() {
        TlsFlags flags = new TlsFlags(cert, key, keyStore, passwordEnv, passwordFile, trust, plaintext);
        boolean none = cert == null && key == null && keyStore == null && passwordEnv == null && passwordFile == null
                && trust == null && !plaintext;
        if (none) {
            return DemoTls.throwaway();
        }
        Optional<TlsFiles> files = flags.files(TlsFlags.Side.SERVER, Optional.empty());
        return files.<DemoTls>map(DemoTls.Files::new).orElseGet(DemoTls.Plaintext::new);
    }
}
