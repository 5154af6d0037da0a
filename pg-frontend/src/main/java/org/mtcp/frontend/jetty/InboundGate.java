package org.mtcp.frontend.jetty;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.util.BufferUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound side of an {@link MtcpEndPoint}: a reader virtual thread that takes bytes from the
 * transport's blocking stream one request at a time (through a {@link RequestFramer}) and queues
 * them for Jetty's non-blocking {@code fill()}.
 *
 * <p>The gate opens for one request, then stays shut until {@link #release()}: the front-end
 * calls it after the response is complete and the connection's snapshot has been exported, so
 * the transport's {@code consumed} mark at every export is exactly the end of the request being
 * served. The queue is bounded ({@code maxQueued}); the reader blocks when Jetty is slow to fill.
 */
final class InboundGate {

    private static final Logger LOG = LoggerFactory.getLogger(InboundGate.class);

    private final InputStream in;
    private final RequestFramer.Interim interim;
    private final Executor executor;
    private final int maxQueued;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private int queued;
    private int permits = 1;
    private boolean eof;
    private boolean closed;
    private Runnable readable;
    private Thread reader;
    private volatile RequestFramer framer;
    private final byte[] preamble;

    InboundGate(InputStream in, RequestFramer.Interim interim, Executor executor, int maxQueued, String name,
            byte[] preamble) {
        this.preamble = preamble;
        this.in = in;
        this.interim = interim;
        this.executor = executor;
        this.maxQueued = maxQueued;
        this.name = name;
    }

    void start() {
        reader = Thread.ofVirtual().name("mtcp-in-" + name).start(this::run);
    }

    private void run() {
        RequestFramer framer = new RequestFramer(in, this::push, interim);
        this.framer = framer;
        try {
            if (preamble != null && awaitPermit()) {
                // a request replayed from a snapshot, before the transport's next bytes
                push(preamble, 0, preamble.length);
            }
            while (awaitPermit()) {
                if (!framer.forwardOne()) {
                    break;
                }
            }
        } catch (IOException e) {
            if (!closedNow()) {
                LOG.debug("{}: inbound stream ended: {}", name, e.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            markEof();
        }
    }

    private boolean closedNow() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    private boolean awaitPermit() throws InterruptedException {
        lock.lock();
        try {
            while (permits == 0 && !closed) {
                changed.await();
            }
            if (closed) {
                return false;
            }
            permits--;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The head of the request being served, as Jetty got it (null if unknown or it had a body). */
    byte[] currentRequest() {
        RequestFramer f = framer;
        if (f == null) {
            return preamble;
        }
        byte[] head = f.lastHead();
        if (head == null) {
            return preamble;
        }
        return f.lastHasBody() ? null : head;
    }

    /** Lets the reader take the next request from the transport. */
    void release() {
        lock.lock();
        try {
            permits++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void push(byte[] bytes, int offset, int length) throws IOException {
        Runnable wake;
        lock.lock();
        try {
            while (queued >= maxQueued && !closed) {
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("reader interrupted");
                }
            }
            if (closed) {
                throw new java.nio.channels.ClosedChannelException();
            }
            ByteBuffer copy = ByteBuffer.allocate(length);
            copy.put(bytes, offset, length).flip();
            queue.add(copy);
            queued += length;
            wake = readable;
            readable = null;
        } finally {
            lock.unlock();
        }
        if (wake != null) {
            executor.execute(wake);
        }
    }

    private void markEof() {
        Runnable wake;
        lock.lock();
        try {
            eof = true;
            wake = readable;
            readable = null;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (wake != null) {
            executor.execute(wake);
        }
    }

    /** Jetty's fill: bytes appended to {@code buffer} (flush mode), 0 when none, -1 at the end. */
    int fill(ByteBuffer buffer) {
        lock.lock();
        try {
            int filled = 0;
            while (!queue.isEmpty() && BufferUtil.space(buffer) > 0) {
                ByteBuffer head = queue.peek();
                int n = BufferUtil.append(buffer, head);
                filled += n;
                queued -= n;
                if (!head.hasRemaining()) {
                    queue.poll();
                }
                if (n == 0) {
                    break;
                }
            }
            if (filled > 0) {
                changed.signalAll();
                return filled;
            }
            return eof && queue.isEmpty() ? -1 : 0;
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code callback} (on the executor) as soon as fill() would return non-zero. */
    void onReadable(Runnable callback) {
        boolean now;
        lock.lock();
        try {
            now = !queue.isEmpty() || eof;
            if (!now) {
                readable = callback;
            }
        } finally {
            lock.unlock();
        }
        if (now) {
            executor.execute(callback);
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        Thread r = reader;
        if (r != null) {
            r.interrupt();
        }
    }
}
