package org.mtcp.core.internal.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.mtcp.core.MigrationLimits;
import org.mtcp.core.internal.client.PolicyMigrationGovernor.State;

class PolicyMigrationGovernorTest {

    private static final long MS = 1_000_000;

    private static PolicyMigrationGovernor governor() {
        return new PolicyMigrationGovernor(Duration.ofMillis(500), MigrationLimits.DEFAULTS);
    }

    @Test
    void migrationsWithoutProgressBackOffExponentiallyAndStopAtTheBound() {
        PolicyMigrationGovernor g = governor();
        assertThat(g.state(0)).isEqualTo(State.READY);
        g.migrated(0);
        assertThat(g.backoffNanos()).isEqualTo(1_000 * MS);
        assertThat(g.state(999 * MS)).isEqualTo(State.BACKING_OFF);
        assertThat(g.state(1_000 * MS)).isEqualTo(State.READY);
        g.migrated(1_000 * MS);
        assertThat(g.backoffNanos()).isEqualTo(2_000 * MS);
        assertThat(g.state(2_999 * MS)).isEqualTo(State.BACKING_OFF);
        assertThat(g.state(3_000 * MS)).isEqualTo(State.READY);
        g.migrated(3_000 * MS);
        // three without progress: the default bound
        assertThat(g.state(30_000 * MS)).isEqualTo(State.EXHAUSTED);
        assertThat(g.state(59_999 * MS)).isEqualTo(State.EXHAUSTED);
        // the window (60 s from the first) ends: the count starts afresh, with the first back-off
        assertThat(g.state(60_000 * MS)).isEqualTo(State.READY);
        assertThat(g.count()).isZero();
    }

    @Test
    void progressGivesTheBudgetBackButKeepsTheCooldown() {
        PolicyMigrationGovernor g = governor();
        g.migrated(0);
        g.migrated(1_000 * MS);
        g.progressed();                                  // new bytes, or a response complete
        assertThat(g.count()).isZero();
        assertThat(g.backoffNanos()).isEqualTo(500 * MS);
        assertThat(g.state(1_499 * MS)).isEqualTo(State.BACKING_OFF);
        assertThat(g.state(1_500 * MS)).isEqualTo(State.READY);
        for (int i = 0; i < 10; i++) {                  // a migration that helps every time is never bounded
            g.migrated((2_000 + i * 1_000) * MS);
            g.progressed();
        }
        assertThat(g.state(12_000 * MS)).isEqualTo(State.READY);
    }

    @Test
    void theBackOffIsBoundedAndTheLimitsAreOptions() {
        PolicyMigrationGovernor g = new PolicyMigrationGovernor(Duration.ofMillis(500),
                MigrationLimits.DEFAULTS.withMaxWithoutProgress(10).withMaxBackoff(Duration.ofSeconds(3))
                        .withWindow(Duration.ofHours(1)));
        long t = 0;
        for (int i = 0; i < 9; i++) {
            assertThat(g.state(t)).as("migration %d", i).isEqualTo(State.READY);
            g.migrated(t);
            t += g.backoffNanos();
        }
        assertThat(g.backoffNanos()).isEqualTo(3_000 * MS);   // 0.5 s doubled, capped at 3 s
        assertThat(g.state(t)).isEqualTo(State.READY);
        g.migrated(t);
        assertThat(g.state(t + 60_000 * MS)).isEqualTo(State.EXHAUSTED);
        assertThat(g.state(3_600_000 * MS - 1)).isEqualTo(State.EXHAUSTED);   // the window began at 0
        assertThat(g.state(3_600_000 * MS)).isEqualTo(State.READY);
    }
}
