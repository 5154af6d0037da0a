package org.mtcp.frontend.jetty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.MtcpServerConnection;

/**
 * An in-memory stand-in for a transport connection, for unit tests of the Jetty adapter only
 * (the real tests run on the real transport): the test feeds inbound bytes, reads what was
 * written, and sees every export with the consumed and written marks at that moment.
 */
public final class FakeConnection implements MtcpServerConnection {

    public record Export(byte[] snapshot, long consumed, long written) {}

    private final ConnectionId id = ConnectionId.random();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ByteArrayOutputStream inbound = new ByteArrayOutputStream();
    private final ByteArrayOutputStream outbound = new ByteArrayOutputStream();
    private final List<Export> exports = new ArrayList<>();
    private int consumed;
    private boolean inputEnded;
    private boolean closed;

    /** Its writes never wait (an in-memory buffer). */
    @Override
    public int writableWithoutBlocking() {
        return Integer.MAX_VALUE;
    }

    public void feed(byte[] bytes) {
        lock.lock();
        try {
            inbound.writeBytes(bytes);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public void endInput() {
        lock.lock();
        try {
            inputEnded = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public long consumed() {
        lock.lock();
        try {
            return consumed;
        } finally {
            lock.unlock();
        }
    }

    public byte[] written() {
        lock.lock();
        try {
            return outbound.toByteArray();
        } finally {
            lock.unlock();
        }
    }

    public List<Export> exports() {
        lock.lock();
        try {
            return List.copyOf(exports);
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the server closed the connection. */
    public void awaitClosed(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        lock.lock();
        try {
            while (!closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the connection was not closed");
                }
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    public boolean closed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the written bytes satisfy {@code done}. */
    public byte[] awaitWritten(java.util.function.Predicate<byte[]> done, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        lock.lock();
        try {
            while (!done.test(outbound.toByteArray())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    String so = outbound.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
                    throw new AssertionError("timed out; written so far (" + so.length() + " bytes): "
                            + so.substring(0, Math.min(400, so.length())));
                }
                changed.awaitNanos(left);
            }
            return outbound.toByteArray();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ConnectionId id() {
        return id;
    }

    @Override
    public long epoch() {
        return 0;
    }

    @Override
    public boolean migrated() {
        return false;
    }

    @Override
    public byte[] importState() {
        return new byte[0];
    }

    @Override
    public void exportState(byte[] snapshot) {
        lock.lock();
        try {
            exports.add(new Export(snapshot.clone(), consumed, outbound.size()));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public InputStream getInputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                lock.lock();
                try {
                    while (consumed >= inbound.size() && !inputEnded && !closed) {
                        try {
                            changed.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException();
                        }
                    }
                    if (consumed >= inbound.size()) {
                        return -1;
                    }
                    byte[] all = inbound.toByteArray();
                    int n = Math.min(len, all.length - consumed);
                    System.arraycopy(all, consumed, b, off, n);
                    consumed += n;
                    return n;
                } finally {
                    lock.unlock();
                }
            }
        };
    }

    @Override
    public OutputStream getOutputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                lock.lock();
                try {
                    outbound.write(b, off, len);
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        };
    }

    @Override
    public void requestMigration(String target) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
