package org.mtcp.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.core.tls.TlsFiles;
import org.mtcp.core.tls.TlsFlags;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The TLS flags of {@code file-server}, {@code proxy} and {@code get} (a picocli mixin; {@code
 * frontend} and {@code demo} declare the same names), checked by {@link TlsFlags}: TLS files, or
 * {@code --plaintext} by explicit choice. Every problem, with the flags or with the files, is a
 * usage error (exit code 2) whose message names the flag or the file.
 */
public final class TlsOptions {

    @Option(names = "--tls-cert", paramLabel = "FILE", order = 100,
            description = "TLS: this side's certificate chain (PEM: the certificate first, then its intermediates); "
                    + "with --tls-key. Reloaded when it changes and on SIGHUP.")
    Path cert;

    @Option(names = "--tls-key", paramLabel = "FILE", order = 101,
            description = "TLS: the private key of --tls-cert (PEM: PKCS#8, PKCS#1 RSA, SEC1 EC or encrypted PKCS#8).")
    Path key;

    @Option(names = "--tls-keystore", paramLabel = "FILE", order = 102,
            description = "TLS: instead of --tls-cert/--tls-key, a PKCS#12 (or JKS) key store holding one key.")
    Path keyStore;

    @Option(names = "--tls-password-env", paramLabel = "VAR", order = 103,
            description = "The environment variable holding the password of --tls-key (encrypted) or --tls-keystore.")
    String passwordEnv;

    @Option(names = "--tls-password-file", paramLabel = "FILE", order = 104,
            description = "Or a file holding it (one trailing newline ignored; read again at each reload).")
    Path passwordFile;

    @Option(names = "--tls-trust", paramLabel = "FILE", order = 105,
            description = "TLS trust anchors (PEM bundle of CA certificates, or a PKCS#12 trust store); overrides the "
                    + "pool file's 'trust file:' line, and is needed with --server and no pool file.")
    Path trust;

    @Option(names = "--plaintext", order = 106, description = TlsFlags.PLAINTEXT_HELP + ".")
    boolean plaintext;

    /** The flags as given. */
    public TlsFlags flags() {
        return new TlsFlags(cert, key, keyStore, passwordEnv, passwordFile, trust, plaintext);
    }

    /**
     * The TLS configuration the flags name, loaded, or empty for {@code --plaintext}.
     *
     * @param poolTrust the pool file's {@code trust file:} anchors, if any
     * @throws CommandLine.ParameterException for contradictory or missing flags and unusable files (exit code 2)
     */
    public Optional<TlsConfig> load(CommandSpec spec, TlsFlags.Side side, Optional<Path> poolTrust) {
        Optional<TlsFiles> files;
        try {
            files = flags().files(side, poolTrust);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (files.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(TlsConfig.load(files.get()));
        } catch (IOException e) {
            // TlsFileException and the JDK's own: the message names the file and what is wrong with it
            throw new CommandLine.ParameterException(spec.commandLine(), "TLS: " + e.getMessage());
        }
    }

    /** The words of a start-up line for {@code tls} (empty: plaintext). */
    public static String describe(Optional<TlsConfig> tls) {
        if (tls.isEmpty()) {
            return "links=PLAINTEXT";
        }
        return "links=TLS 1.3" + tls.get().certificate()
                .map(c -> " cert=\"" + c.getSubjectX500Principal().getName() + "\" expires=" + c.getNotAfter().toInstant())
                .orElse(" (no certificate of its own)");
    }
}
