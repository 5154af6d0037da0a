package org.mtcp.core.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --state-transfer}'s syntax ({@link StateTransfer#parse}) and the pool-size rule. */
class StateTransferParseTest {

    @Test
    void parsesTheThreeSpellings() {
        assertThat(StateTransfer.parse("lazy")).isInstanceOf(LazyStateTransfer.class);
        assertThat(StateTransfer.parse("replicated")).isInstanceOfSatisfying(ReplicatedStateTransfer.class,
                r -> assertThat(r.replicas()).isEqualTo(1));
        assertThat(StateTransfer.parse(" Replicated:3 ")).isInstanceOfSatisfying(ReplicatedStateTransfer.class,
                r -> assertThat(r.replicas()).isEqualTo(3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "eager", "replicated:", "replicated:0", "replicated:-1", "replicated:x",
            "replicated:1:2", "lazy:1", "replicated 2"})
    void refusesOtherTexts(String text) {
        assertThatThrownBy(() -> StateTransfer.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @Test
    void replicatedNeedsMoreServersThanReplicas() {
        StateTransfer.parse("lazy").checkPoolSize(1);
        StateTransfer.parse("replicated:2").checkPoolSize(3);
        assertThatThrownBy(() -> StateTransfer.parse("replicated:2").checkPoolSize(2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("replicated:2 needs at least 3 servers in the pool (the holder and 2 replicas); "
                        + "the pool has 2");
        assertThatThrownBy(() -> StateTransfer.parse("replicated").checkPoolSize(1))
                .hasMessageContaining("the holder and 1 replica)");
    }
}
