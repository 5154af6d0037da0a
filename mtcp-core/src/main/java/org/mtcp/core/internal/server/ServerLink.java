package org.mtcp.core.internal.server;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.List;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.FrameWriter;
import org.mtcp.core.internal.wire.ProtocolException;

/**
 * One TCP connection from a client to this server, carrying one logical connection at one epoch.
 * A reader thread hands every frame to the {@link ServerConnection}; a sender thread writes what
 * the connection has to send (it is the only writer of the socket, so frames never interleave).
 * The mutable fields are guarded by the connection's lock.
 */
final class ServerLink {

    /** How a link stops: not at all yet, after a last flush and half-close, or at once. */
    enum Ending { NONE, GRACEFUL, ABORT }

    final Socket socket;
    final FrameReader<Frame> reader;
    final OutputStream out;
    final String remote;
    private ServerConnection conn;

    /** The service protocol version of the client's HELLO on this link (CERT peers from 2). */
    volatile int clientVersion = Wire.VERSION;

    // Guarded by conn.lock:
    long sendCursor;
    boolean finSent;
    boolean closeSent;
    boolean resetSent;
    Ending ending = Ending.NONE;
    final ArrayDeque<Long> pongs = new ArrayDeque<>();
    private final java.util.concurrent.CountDownLatch senderDone = new java.util.concurrent.CountDownLatch(1);

    /** Longest wait for a last frame (RESET) to go out before a link is torn down. */
    private static final long DRAIN_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1000);

    ServerLink(Socket socket, FrameReader<Frame> reader) throws IOException {
        this.socket = socket;
        this.reader = reader;
        this.out = socket.getOutputStream(); // unbuffered: each batch is one write (FrameWriter)
        this.remote = String.valueOf(socket.getRemoteSocketAddress());
    }

    /** Writes a handshake frame directly, before the threads start. */
    void writeNow(byte[] frame) throws IOException {
        out.write(frame);
        out.flush();
    }

    void start(ServerConnection connection, int silenceTimeoutMillis) {
        this.conn = connection;
        try {
            // A live client pings every keepalive interval: this much silence means it is gone.
            socket.setSoTimeout(silenceTimeoutMillis);
        } catch (IOException e) {
            // The socket died already; the reader will notice.
        }
        Threads.start("mtcp-server-read-" + connection.id(), this::readLoop);
        Threads.start("mtcp-server-send-" + connection.id(), this::sendLoop);
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
                List<byte[]> frames = conn.awaitFrames(this);
                if (frames == null) {
                    break;
                }
                FrameWriter.write(out, frames);
            }
            if (conn.endingOf(this) == Ending.GRACEFUL) {
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
