package org.mtcp.webapp.demo;

import java.util.Optional;
import org.mtcp.core.tls.TlsFiles;
import org.mtcp.core.tls.TlsFlags;
import org.mtcp.frontend.cli.TlsOptions;
import picocli.CommandLine.Mixin;

/**
 * The TLS flags of {@code mtcp demo}: the front-end's ({@link TlsOptions}, the same names as every
 * {@code mtcp} command), checked by {@link TlsFlags}. Unlike the other commands, no flag at all is
 * not an error here: the demo then makes a throwaway CA in memory. Given keys are one key for
 * every front-end, so the certificate must name fe1, fe2, ... and 127.0.0.1.
 */
public final class DemoTlsOptions {

    @Mixin
    TlsOptions options;

    /**
     * What the flags choose.
     *
     * @throws IllegalArgumentException with a message naming the flags
     */
    DemoTls choice() {
        TlsFlags flags = options.flags();
        if (flags.none()) {
            return DemoTls.throwaway();
        }
        Optional<TlsFiles> files = flags.files(TlsFlags.Side.SERVER, Optional.empty());
        return files.<DemoTls>map(DemoTls.Files::new).orElseGet(DemoTls.Plaintext::new);
    }
}
