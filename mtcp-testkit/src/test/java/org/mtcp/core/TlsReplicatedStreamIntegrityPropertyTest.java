package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * {@link ReplicatedStreamIntegrityPropertyTest} over TLS: replicas pushed and taken over through
 * mutual-TLS control channels, failovers after holder crashes on new TLS sessions. Half the tries
 * of the plaintext property (each starts a pool of four with its own CA).
 */
class TlsReplicatedStreamIntegrityPropertyTest {

    static final AtomicInteger totalCrashes = new AtomicInteger();

    @AfterContainer
    static void someHoldersCrashed() {
        assertThat(totalCrashes.get()).as("holder crashes in this run").isGreaterThanOrEqualTo(2);
    }

    @Property(tries = 6, shrinking = ShrinkingMode.OFF)
    void bothStreamsAreExactlyOnceAcrossMigrationsAndHolderCrashesOverTls(
            @ForAll long seed,
            @ForAll @IntRange(min = 3, max = 8) int actions,
            @ForAll @IntRange(min = 1, max = 300_000) int bytes,
            @ForAll @IntRange(min = 1, max = 40_000) int maxWrite,
            @ForAll @IntRange(min = 0, max = 2) int flowControl) throws Exception {
        ReplicatedStreamIntegrityPropertyTest.oneTry(true, totalCrashes, seed, actions, bytes, maxWrite, flowControl);
    }
}
