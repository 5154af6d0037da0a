package org.mtcp.core.internal.stream;

import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The one lock of a connection, with its conditions: {@link #run} and {@link #call} hold it for
 * a block, the checked variants let the block throw, {@link #await} waits on a condition. The
 * data path (a few methods of {@link ReliableStream}) takes it with {@link #lock}/{@link #unlock}
 * directly, so that no lambda is captured per byte or per frame.
 */
public final class Guard {

    /** A block that may throw {@code E}. */
    @FunctionalInterface
    public interface Block<E extends Exception> {
        void run() throws E;
    }

    /** A block with a result that may throw {@code E}. */
    @FunctionalInterface
    public interface Fn<T, E extends Exception> {
        T call() throws E;
    }

    private final ReentrantLock lock = new ReentrantLock();

    public Condition newCondition() {
        return lock.newCondition();
    }

    public void run(Runnable block) {
        lock.lock();
        try {
            block.run();
        } finally {
            lock.unlock();
        }
    }

    public <T> T call(Supplier<T> block) {
        lock.lock();
        try {
            return block.get();
        } finally {
            lock.unlock();
        }
    }

    public <E extends Exception> void runChecked(Block<E> block) throws E {
        lock.lock();
        try {
            block.run();
        } finally {
            lock.unlock();
        }
    }

    public <T, E extends Exception> T callChecked(Fn<T, E> block) throws E {
        lock.lock();
        try {
            return block.call();
        } finally {
            lock.unlock();
        }
    }

    /** Waits on {@code c} (the lock held); an interrupt becomes an {@link InterruptedIOException}. */
    public void await(Condition c) throws InterruptedIOException {
        try {
            c.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    /** Waits on {@code c} at most {@code nanos} (the lock held; {@code Long.MAX_VALUE}: no bound). */
    public void awaitNanos(Condition c, long nanos) throws InterruptedIOException {
        try {
            if (nanos == Long.MAX_VALUE) {
                c.await();
            } else if (nanos > 0) {
                c.await(nanos, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    public void lock() {
        lock.lock();
    }

    public void unlock() {
        lock.unlock();
    }

    public boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }
}
