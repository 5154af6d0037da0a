package org.mtcp.core.internal.client;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.FrameWriter;
import org.mtcp.core.internal.wire.ProtocolException;

/**
 * One TCP connection from the client to one server (one holder at one epoch). A reader thread
 * hands frames to the {@link ClientConnection}; a sender thread is the only writer of the
 * socket. Mutable fields are guarded by the connection's lock.
 */
final class ClientLink {

    final Socket socket;
    final FrameReader<Frame> reader;
    final OutputStream out;
    final String server;
    private final ClientConnection conn;

    // Guarded by conn.lock:
    long sendCursor;
    boolean finSent;
    boolean closeSent;
    boolean retired;

    ClientLink(ClientConnection conn, Handshake h) throws IOException {
        this.conn = conn;
        this.socket = h.socket();
        this.reader = h.reader();
        this.out = socket.getOutputStream(); // unbuffered: each batch is one write (FrameWriter)
        this.server = h.welcome().server();
    }

    void start(int silenceTimeoutMillis) {
        try {
            socket.setSoTimeout(silenceTimeoutMillis);
        } catch (IOException e) {
            // dead already: the reader will report it
        }
        Threads.start("mtcp-client-read-" + server, this::readLoop);
        Threads.start("mtcp-client-send-" + server, this::sendLoop);
    }

    private void readLoop() {
        String cause;
        try {
            Frame f;
            while ((f = reader.read()) != null) {
                conn.onFrame(this, f);
            }
            cause = "EOF without CLOSE";
        } catch (SocketTimeoutException e) {
            cause = "missed keepalives: nothing from " + server + " for " + timeoutMillis() + " ms";
        } catch (ProtocolException e) {
            cause = "protocol error: " + e.getMessage();
        } catch (IOException | RuntimeException e) {
            cause = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        conn.linkFailed(this, cause);
        close();
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
            if (conn.closeSentOn(this)) {
                // Half-close after CLOSE; the reader ends when the server closes its side.
                socket.shutdownOutput();
            }
        } catch (IOException | RuntimeException e) {
            conn.linkFailed(this, e.getMessage() == null ? e.toString() : e.getMessage());
            close();
        }
    }

    private int timeoutMillis() {
        try {
            return socket.getSoTimeout();
        } catch (IOException e) {
            return 0;
        }
    }

    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
