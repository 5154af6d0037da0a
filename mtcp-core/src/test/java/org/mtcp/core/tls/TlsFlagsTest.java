package org.mtcp.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mtcp.core.tls.TlsFlags.Side;

class TlsFlagsTest {

    private static final Path CRT = Path.of("s1.crt");
    private static final Path KEY = Path.of("s1.key");
    private static final Path P12 = Path.of("s1.p12");
    private static final Path CA = Path.of("ca.crt");

    private static TlsFlags flags(Path cert, Path key, Path store, String env, Path pwFile, Path trust, boolean plain) {
        return new TlsFlags(cert, key, store, env, pwFile, trust, plain);
    }

    @Test
    void aServerWithPemFilesTrustsThePoolFilesAnchorsUnlessTlsTrustOverridesThem() {
        TlsFiles f = flags(CRT, KEY, null, null, null, null, false).files(Side.SERVER, Optional.of(CA)).orElseThrow();
        assertThat(f.certificateChain()).isEqualTo(CRT);
        assertThat(f.privateKey()).isEqualTo(KEY);
        assertThat(f.trust()).isEqualTo(CA);
        Path other = Path.of("other.crt");
        assertThat(flags(CRT, KEY, null, null, null, other, false).files(Side.SERVER, Optional.of(CA)).orElseThrow().trust())
                .isEqualTo(other);
    }

    @Test
    void noneMeansNoFlagAtAllNotEvenPlaintext() {
        assertThat(flags(null, null, null, null, null, null, false).none()).isTrue();
        assertThat(flags(null, null, null, null, null, null, true).none()).isFalse();
        assertThat(flags(null, null, null, null, null, CA, false).none()).isFalse();
        assertThat(flags(null, null, null, "PW", null, null, false).none()).isFalse();
    }

    @Test
    void aKeyStoreWithItsPasswordFromTheEnvironment() {
        TlsFiles f = flags(null, null, P12, "PW", null, CA, false).files(Side.SERVER, Optional.empty()).orElseThrow();
        assertThat(f.keyStore()).isEqualTo(P12);
        assertThat(f.password()).hasToString("password(env PW)");
    }

    @Test
    void aClientNeedsTrustOnly() {
        TlsFiles f = flags(null, null, null, null, null, null, false).files(Side.CLIENT, Optional.of(CA)).orElseThrow();
        assertThat(f.hasIdentity()).isFalse();
        assertThat(f.trust()).isEqualTo(CA);
    }

    @Test
    void plaintextIsAnExplicitChoiceAndExcludesEveryTlsFlag() {
        assertThat(flags(null, null, null, null, null, null, true).files(Side.SERVER, Optional.of(CA))).isEmpty();
        assertThatThrownBy(() -> flags(CRT, KEY, null, null, null, null, true).files(Side.SERVER, Optional.empty()))
                .hasMessage("--plaintext cannot be combined with --tls-cert, --tls-key: choose TLS or plaintext");
    }

    @Test
    void incompleteOrContradictoryFlagsNameWhatIsMissing() {
        assertThatThrownBy(() -> flags(null, null, null, null, null, null, false).files(Side.SERVER, Optional.of(CA)))
                .hasMessageStartingWith("no TLS key: give --tls-cert FILE and --tls-key FILE").hasMessageContaining("--plaintext");
        assertThatThrownBy(() -> flags(CRT, null, null, null, null, CA, false).files(Side.SERVER, Optional.empty()))
                .hasMessageStartingWith("--tls-cert needs --tls-key");
        assertThatThrownBy(() -> flags(null, KEY, null, null, null, CA, false).files(Side.SERVER, Optional.empty()))
                .hasMessageStartingWith("--tls-key needs --tls-cert");
        assertThatThrownBy(() -> flags(CRT, KEY, P12, null, null, CA, false).files(Side.SERVER, Optional.empty()))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> flags(CRT, KEY, null, "PW", Path.of("pw"), CA, false).files(Side.SERVER, Optional.empty()))
                .hasMessageContaining("--tls-password-env or --tls-password-file");
        assertThatThrownBy(() -> flags(null, null, null, "PW", null, CA, false).files(Side.CLIENT, Optional.empty()))
                .hasMessageContaining("neither is given");
        assertThatThrownBy(() -> flags(CRT, KEY, null, null, null, null, false).files(Side.SERVER, Optional.empty()))
                .hasMessageStartingWith("no TLS trust anchors: add 'trust file:CA.crt' to the pool file or give --tls-trust FILE");
        assertThatThrownBy(() -> flags(null, null, null, null, null, null, false).files(Side.CLIENT, Optional.empty()))
                .hasMessageEndingWith("or --plaintext to run without TLS");
    }
}
