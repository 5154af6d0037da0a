package org.mtcp.frontend.engine;

import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Platform threads that run the engine's transactions, one per pooled database connection.
 *
 * <p>Why not the virtual thread that serves the request: pgjdbc blocks on its socket for every
 * round trip, and a virtual thread that blocks on a socket parks, is registered with the JDK's
 * poller, and is scheduled again when the answer arrives; with five round trips per transaction
 * that machinery cost the front-end a fifth of its CPU (issue 13, docs/benchmarks.md). A platform
 * thread simply sleeps in {@code read}. The request's virtual thread hands whole transactions over
 * (a stretch of them, below) and parks once per hand-over.
 *
 * <p>At most as many transactions run at once as there are threads, which is the pool's size:
 * more could only wait for a connection. A caller waits for its transaction uninterruptibly: once
 * handed over, a stretch runs to its end (its database calls are bounded by the pool's and the
 * database's timeouts, its length by the bound below, and it never waits for the client), so the request thread never leaves a transaction running behind its back.
 *
 * <p>A transaction waiting for a thread is waiting for a connection: it waits as long as {@link
 * DatabaseGate} lets a caller wait for a busy pool ({@link DatabaseGate#BUSY_WAIT}), then fails the
 * same way, so the queue holds only what the busy limit allows and nothing waits forever.
 */
final class TransactionThreads implements AutoCloseable {

    /*
     * One hand-over runs a stretch of consecutive transactions of one batch (BatchEngine), each
     * line written on the thread when that needs no waiting: the two thread hops per transaction
     * cost the front-end as much CPU as a third of the transaction itself (issue 13). A stretch ends
     * after STRETCH_TRANSACTIONS transactions or once STRETCH_TIME has passed (checked before each
     * transaction, so it may overrun by one), whichever comes first: the request goes to the back of
     * the queue, requests queued for a thread are served in turn, and a queued transaction's wait
     * (bounded by BUSY_WAIT, below) grows by at most a stretch per request ahead of it, never by a
     * whole batch. 16 transactions of about a millisecond take the hops' cost down to a sixteenth.
     */
    static final int STRETCH_TRANSACTIONS = 16;
    static final Duration STRETCH_TIME = Duration.ofMillis(20);

    /** Whether a stretch that began at {@code startedNanos} and ran {@code ran} transactions may run another. */
    static boolean stretchMayGoOn(int ran, long startedNanos, long nowNanos) {
        return ran < STRETCH_TRANSACTIONS && nowNanos - startedNanos < STRETCH_TIME.toNanos();
    }

    private final ExecutorService threads;
    private final Duration maxWait;
    private final java.util.function.LongSupplier nanoTime;

    TransactionThreads(String frontend, int count) {
        this(frontend, count, DatabaseGate.BUSY_WAIT);
    }

    TransactionThreads(String frontend, int count, Duration maxWait) {
        this(frontend, count, maxWait, System::nanoTime);
    }

    /** As above, measuring the queued wait with {@code nanoTime} (tests pass a clock they advance). */
    TransactionThreads(String frontend, int count, Duration maxWait, java.util.function.LongSupplier nanoTime) {
        this.maxWait = maxWait;
        this.nanoTime = nanoTime;
        this.threads = Executors.newFixedThreadPool(count,
                Thread.ofPlatform().daemon().name("fe-" + frontend + "-tx-", 0).factory());
    }

    /** Runs {@code task} on one of the threads and returns its result; its exception is rethrown as is. */
    <T> T run(Callable<T> task) throws Exception {
        long queuedAt = nanoTime.getAsLong();
        Future<T> result = threads.submit(() -> {
            if (nanoTime.getAsLong() - queuedAt > maxWait.toNanos()) {
                throw new SQLTransientConnectionException("every database connection was in use for "
                        + maxWait.toSeconds() + " s: the front-end is at its database pool's capacity");
            }
            return task.call();
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;   // see the class comment: the transaction runs to its end first
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception cause) {
                        throw cause;
                    }
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw e;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        threads.shutdown();
    }
}
