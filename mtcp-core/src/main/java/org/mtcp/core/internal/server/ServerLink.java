package org.mtcp.core.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.internal.stream.SendCursor;
import org.mtcp.core.internal.wire.DataSink;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.internal.stream.SendBatch;

/**
 * One TCP connection from a client to this server, carrying one logical connection at one epoch.
 * A reader thread hands every frame to the {@link ServerConnection} (DATA payloads go straight
 * into its inbound buffer); a sender thread writes what the connection has to send (it is the
 * only writer of the socket, so frames never interleave). The link owns its send state: the
 * {@link SendCursor} and the send buffer belong to the sender thread, the ending and the PONGs
 * owed are thread-safe on their own.
 */
final class ServerLink {

    /** How a link stops: not at all yet, after a last flush and half-close, or at once. */
    enum Ending { NONE, GRACEFUL, ABORT }

    /** Longest wait for a last frame (RESET) to go out before a link is torn down. */
    private static final long DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(1000);

    final Socket socket;
    final FrameReader<Frame> reader;
    final OutputStream out;
    final String remote;
    private ServerConnection conn;
    /** The service protocol version of the client's HELLO on this link (CERT peers from 2). */
    volatile int clientVersion = Wire.VERSION;

    private final AtomicReference<Ending> ending = new AtomicReference<>(Ending.NONE);
    private final ConcurrentLinkedQueue<Long> pongs = new ConcurrentLinkedQueue<>();
    private final CountDownLatch senderDone = new CountDownLatch(1);
    // The sender thread's own (set in attach, before the thread starts):
    private SendCursor cursor;
    private final SendBatch sendBuffer = new SendBatch();
    private boolean resetSent;

    ServerLink(Socket socket, FrameReader<Frame> reader) throws IOException {
        this.socket = socket;
        this.reader = reader;
        this.out = socket.getOutputStream(); // unbuffered: each batch is one write from the send buffer
        this.remote = String.valueOf(socket.getRemoteSocketAddress());
    }

    /** Writes a handshake frame directly, before the threads start. */
    void writeNow(byte[] frame) throws IOException {
        out.write(frame);
        out.flush();
    }

    /** The connection took this link on; the sender will start at {@code c}. */
    void attached(ServerConnection connection, SendCursor c) {
        this.conn = connection;
        this.cursor = c;
    }

    void start(ServerConnection connection, int silenceTimeoutMillis) {
        this.conn = connection;
        try {
            // A live client pings every keepalive interval: this much silence means it is gone.
            socket.setSoTimeout(silenceTimeoutMillis);
        } catch (IOException e) {
            // The socket died already; the reader will notice.
        }
        ((FrameDecoder) reader.decoder()).dataSink(new DataSink() {
            @Override
            public void data(long offset, int length, int pos, byte[] src, int off, int len) throws ProtocolException {
                connection.onData(ServerLink.this, offset, length, pos, src, off, len);
            }

            /** The rest of a payload straight from the socket into the inbound ring. */
            @Override
            public int readDirect(long offset, int length, int pos, int max, InputStream in) throws IOException {
                return connection.readData(offset, length, pos, max, in, this);
            }
        });
        Threads.startLinkIo("mtcp-server-read-" + connection.id(), this::readLoop);
        Threads.startLinkIo("mtcp-server-send-" + connection.id(), this::sendLoop);
    }

    boolean ending() {
        return ending.get() != Ending.NONE;
    }

    /** Ends the link the way given, unless it is ending already. */
    void end(Ending how) {
        ending.compareAndSet(Ending.NONE, how);
    }

    /** Ends the link at once and cuts the socket. */
    void abort() {
        end(Ending.ABORT);
        closeSocket();
    }

    void pong(long nonce) {
        pongs.add(nonce);
    }

    Long nextPong() {
        return pongs.poll();
    }

    /** True the first time: the RESET goes out once. Sender thread only. */
    boolean firstReset() {
        if (resetSent) {
            return false;
        }
        resetSent = true;
        return true;
    }

    private void readLoop() {
        try {
            Frame f;
            while ((f = reader.read()) != null) {
                conn.onFrame(this, f);
            }
            conn.linkEnded(this, "client closed the TCP connection");
        } catch (SocketTimeoutException e) {
            conn.linkEnded(this, "client silent for " + timeoutMillis() + " ms");
        } catch (ProtocolException e) {
            conn.protocolError(this, e);
            // Let the sender deliver the RESET before the socket goes; keep reading (and
            // discarding) meanwhile, so unread input does not turn the close into a TCP reset.
            drainUntilSenderDone();
        } catch (IOException | RuntimeException e) {
            conn.linkEnded(this, e.toString());
        } finally {
            closeSocket();
        }
    }

    private void drainUntilSenderDone() {
        long deadline = System.nanoTime() + DRAIN_NANOS;
        try {
            socket.setSoTimeout(50);
            byte[] sink = new byte[8192];
            while (System.nanoTime() < deadline) {
                try {
                    if (socket.getInputStream().read(sink) < 0 && senderDone.getCount() == 0) {
                        return;
                    }
                } catch (SocketTimeoutException e) {
                    if (senderDone.getCount() == 0) {
                        return;
                    }
                }
            }
        } catch (IOException e) {
            // the client is gone
        }
    }

    private void sendLoop() {
        try {
            while (true) {
                sendBuffer.clear();
                if (!conn.awaitFrames(this, cursor, sendBuffer)) {
                    break;
                }
                sendBuffer.writeTo(out);
            }
            if (ending.get() == Ending.GRACEFUL) {
                // Let everything sent so far arrive; the reader drains until the client closes.
                socket.shutdownOutput();
            } else {
                closeSocket();
            }
        } catch (IOException | RuntimeException e) {
            conn.linkEnded(this, e.toString());
            closeSocket();
        } finally {
            senderDone.countDown();
        }
    }

    private int timeoutMillis() {
        try {
            return socket.getSoTimeout();
        } catch (IOException e) {
            return 0;
        }
    }

    void closeSocket() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
