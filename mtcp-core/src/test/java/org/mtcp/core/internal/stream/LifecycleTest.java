package org.mtcp.core.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class LifecycleTest {

    enum P { A, B, C }

    @Test
    void movesOnlyAlongItsTransitions() {
        Lifecycle<P> l = Lifecycle.of(P.class, P.A).from(P.A, P.B).from(P.B, P.C).build();
        assertThat(l.is(P.A)).isTrue();
        assertThat(l.tryMoveTo(P.C)).isFalse();
        assertThat(l.phase()).isEqualTo(P.A);
        l.moveTo(P.B);
        assertThat(l.in(EnumSet.of(P.B, P.C))).isTrue();
        assertThatThrownBy(() -> l.moveTo(P.A)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("B -> A");
        l.moveTo(P.C);
        assertThat(l.tryMoveTo(P.C)).as("a terminal phase").isFalse();
    }
}
