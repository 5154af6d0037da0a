package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.TransformApp;

/**
 * {@link StreamIntegrityPropertyTest} over TLS: every link (the client's to each server, and the
 * servers' control channels, mutual TLS) is TLS 1.3 with a throwaway CA, and each migration opens
 * a new TLS session to the new holder. As many tries and migrations as the plaintext run.
 */
class TlsStreamIntegrityPropertyTest {

    static final int TRIES = 40;
    static final int MIN_TOTAL_MIGRATIONS = 1000;

    static LoopbackPool pool;
    static final AtomicInteger totalMigrations = new AtomicInteger();

    @BeforeContainer
    static void startPool() throws IOException {
        pool = LoopbackPool.startTls(3, ServerOptions.defaults());
        pool.serve(new TransformApp(65_536));
    }

    @AfterContainer
    static void stopPool() {
        assertThat(totalMigrations.get()).as("migrations in this run").isGreaterThanOrEqualTo(MIN_TOTAL_MIGRATIONS);
        assertThat(pool.appFailures()).isEmpty();
        pool.close();
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void bothStreamsAreExactlyOnceAcrossRandomMigrationsOverTls(
            @ForAll long seed,
            @ForAll @IntRange(min = 26, max = 34) int migrations,
            @ForAll @IntRange(min = 0, max = 400_000) int bytes,
            @ForAll @IntRange(min = 1, max = 70_000) int maxWrite,
            @ForAll @IntRange(min = 0, max = 2) int flowControl) throws Exception {
        assertThat(pool.clientOptions().usesTls()).isTrue();
        StreamIntegrityPropertyTest.oneTry(pool, totalMigrations, seed, migrations, bytes, maxWrite, flowControl);
    }
}
