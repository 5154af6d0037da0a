package org.mtcp.webapp.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.tls.LocalCa;
import org.mtcp.core.tls.TlsFiles;
import org.mtcp.core.transfer.StateTransfer;
import picocli.CommandLine;

/** {@code mtcp demo --state-transfer}: replicated by default (the Kill button needs it), checked against the pool. */
class DemoSettingsTest {

    @Test
    void theDemoReplicatesByDefaultAndReadsEveryStrategy() {
        assertThat(Demo.Settings.defaults().stateTransfer().name()).isEqualTo("replicated(1)");
        assertThat(parse().stateTransfer.name()).isEqualTo("replicated(1)");
        assertThat(parse("--state-transfer", "lazy").stateTransfer.name()).isEqualTo("lazy");
        assertThat(parse("--state-transfer", "replicated:2").stateTransfer.name()).isEqualTo("replicated(2)");
        assertThatThrownBy(() -> parse("--state-transfer", "eager"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("'eager' is not a state transfer strategy (" + StateTransfer.SPECS + ")");
    }

    @Test
    void moreReplicasThanThePoolHasPeersAreRefusedBeforeAnythingStarts() {
        assertThatThrownBy(() -> Demo.Settings.defaults().withStateTransfer(StateTransfer.replicated(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--state-transfer: replicated:3 needs at least 4 servers in the pool (the holder and 3 replicas); "
                        + "the pool has 3: raise --frontends");
        assertThat(Demo.Settings.defaults().withStateTransfer(StateTransfer.replicated(2)).stateTransfer().name())
                .isEqualTo("replicated(2)");
    }

    @Test
    void tlsIsOnByDefaultWithAThrowawayCaAndOffOnlyByChoice() {
        assertThat(Demo.Settings.defaults().tls()).isInstanceOf(DemoTls.Throwaway.class);
        assertThat(parse().tls.choice()).isInstanceOf(DemoTls.Throwaway.class);
        assertThat(parse("--plaintext").tls.choice()).isInstanceOf(DemoTls.Plaintext.class);
        assertThatThrownBy(() -> parse("--tls-cert", "fe.crt").tls.choice())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--tls-cert needs --tls-key (the private key of the certificate)");
        assertThatThrownBy(() -> parse("--tls-cert", "fe.crt", "--tls-key", "fe.key").tls.choice())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("no TLS trust anchors");
        assertThatThrownBy(() -> parse("--plaintext", "--tls-trust", "ca.crt").tls.choice())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--plaintext cannot be combined with --tls-trust");
        DemoTls files = parse("--tls-cert", "fe.crt", "--tls-key", "fe.key", "--tls-trust", "ca.crt").tls.choice();
        assertThat(files).isInstanceOfSatisfying(DemoTls.Files.class,
                f -> assertThat(f.files().certificateChain()).isEqualTo(Path.of("fe.crt")));
    }

    @Test
    void givenKeysMustNameEveryFrontEnd(@TempDir Path dir) throws Exception {
        LocalCa ca = LocalCa.create("ca", Duration.ofDays(1));
        Path trust = ca.writeCertificate(dir.resolve("ca.crt"));
        LocalCa.Leaf all = ca.issue("fe1", List.of("fe1", "fe2", "fe3", "127.0.0.1"), Duration.ofDays(1));
        TlsFiles good = TlsFiles.pem(all.writeChain(dir.resolve("all.crt")), all.writeKey(dir.resolve("all.key")),
                TlsFiles.Password.none(), trust);
        try (DemoTls.Links links = DemoTls.Links.open(new DemoTls.Files(good), List.of("fe1", "fe2", "fe3"))) {
            assertThat(links.description()).contains("links TLS 1.3 with", "CN=fe1");
            assertThat(links.server("fe3", ServerOptions.defaults()).tls()).isNotNull();
        }
        LocalCa.Leaf one = ca.issue("fe1", List.of("fe1", "127.0.0.1"), Duration.ofDays(1));
        TlsFiles partial = TlsFiles.pem(one.writeChain(dir.resolve("one.crt")), one.writeKey(dir.resolve("one.key")),
                TlsFiles.Password.none(), trust);
        assertThatThrownBy(() -> DemoTls.Links.open(new DemoTls.Files(partial), List.of("fe1", "fe2", "fe3")))
                .hasMessageContaining("does not name front-end fe2").hasMessageContaining("./mtcp certs issue fe1 --hosts fe2,fe3");
    }

    @Test
    void keyFilesThatCannotBeUsedAreAUsageErrorBeforeAnythingStarts(@TempDir Path dir) throws Exception {
        LocalCa ca = LocalCa.create("ca", Duration.ofDays(1));
        Path trust = ca.writeCertificate(dir.resolve("ca.crt"));
        LocalCa.Leaf fe = ca.issue("fe1", List.of("fe1", "fe2", "fe3", "127.0.0.1"), Duration.ofDays(1));
        LocalCa.Leaf other = ca.issue("fe1", List.of("fe1", "fe2", "fe3", "127.0.0.1"), Duration.ofDays(1));
        Path chain = fe.writeChain(dir.resolve("fe.crt"));
        Path wrongKey = other.writeKey(dir.resolve("other.key"));
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = new CommandLine(new DemoCommand()).setErr(new java.io.PrintWriter(err, true))
                .execute("--tls-cert", chain.toString(), "--tls-key", wrongKey.toString(), "--tls-trust", trust.toString());
        assertThat(exit).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).contains("TLS: ").contains("does not match");
    }

    private static DemoCommand parse(String... args) {
        DemoCommand command = new DemoCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }
}
