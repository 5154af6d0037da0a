package org.mtcp.webapp.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
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

    private static DemoCommand parse(String... args) {
        DemoCommand command = new DemoCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }
}
