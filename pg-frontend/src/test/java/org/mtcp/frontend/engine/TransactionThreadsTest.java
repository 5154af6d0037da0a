package org.mtcp.frontend.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A transaction waiting for a thread waits no longer than a caller waits for a busy pool. */
class TransactionThreadsTest {

    @Test
    void aTransactionQueuedBeyondTheBusyLimitFailsAsABusyPoolDoesAndNeverRuns() throws Exception {
        Duration limit = Duration.ofMillis(500);
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        try (TransactionThreads threads = new TransactionThreads("t", 1, limit, clock::get)) {
            threads.run(() -> null); // the thread exists: the first task below starts at once
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<String> first = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> complete(first, threads, () -> {
                running.countDown();
                release.await();
                return "first";
            }));
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            AtomicBoolean secondRan = new AtomicBoolean();
            CompletableFuture<String> second = new CompletableFuture<>();
            Thread caller = Thread.ofPlatform().start(() -> complete(second, threads, () -> {
                secondRan.set(true);
                return "second";
            }));
            // The second caller has handed its transaction over once it waits for the result.
            await("the second caller waits for its result").atMost(Duration.ofSeconds(10))
                    .until(() -> caller.getState() == Thread.State.WAITING);
            // The only thread stays busy until the second has waited past the limit.
            clock.addAndGet(2 * limit.toNanos());
            release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("first");
            assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("every database connection was in use");
            assertThat(secondRan).isFalse();
        }
    }

    @Test
    void aTransactionQueuedWithinTheLimitRunsAndItsExceptionComesBackAsIs() throws Exception {
        try (TransactionThreads threads = new TransactionThreads("t", 1, Duration.ofHours(1))) {
            assertThat(threads.run(() -> 42)).isEqualTo(42);
            IllegalStateException thrown = new IllegalStateException("the operation's own failure");
            assertThatThrownBy(() -> threads.run(() -> {
                throw thrown;
            })).isSameAs(thrown);
        }
    }

    @Test
    void aStretchEndsAfterItsTransactionsOrItsTimeWhicheverComesFirst() {
        long t0 = 1_000_000_000L;
        long time = TransactionThreads.STRETCH_TIME.toNanos();
        assertThat(TransactionThreads.stretchMayGoOn(1, t0, t0)).isTrue();
        assertThat(TransactionThreads.stretchMayGoOn(TransactionThreads.STRETCH_TRANSACTIONS - 1, t0, t0 + time - 1)).isTrue();
        assertThat(TransactionThreads.stretchMayGoOn(TransactionThreads.STRETCH_TRANSACTIONS, t0, t0)).isFalse();
        assertThat(TransactionThreads.stretchMayGoOn(1, t0, t0 + time)).isFalse();
        // a stretch bounded by its time cannot hold a thread long against the busy limit queued requests wait by
        assertThat(TransactionThreads.STRETCH_TIME.multipliedBy(100)).isLessThan(DatabaseGate.BUSY_WAIT);
    }

    private static <T> void complete(CompletableFuture<T> result, TransactionThreads threads,
            java.util.concurrent.Callable<T> task) {
        try {
            result.complete(threads.run(task));
        } catch (Exception e) {
            result.completeExceptionally(e);
        }
    }
}
