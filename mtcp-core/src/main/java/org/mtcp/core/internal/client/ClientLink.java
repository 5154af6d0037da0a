package org.mtcp.core.internal.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.mtcp.core.internal.Threads;
import org.mtcp.core.internal.stream.SendCursor;
import org.mtcp.core.internal.wire.DataSink;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.stream.SendBatch;

/**
 * One TCP connection from the client to one server (one holder at one epoch). A reader thread
 * hands frames to the {@link ClientConnection} (DATA payloads straight into its inbound buffer);
 * a sender thread is the only writer of the socket. The link owns its send state: the {@link
 * SendCursor} and the send buffer belong to the sender thread.
 */
final class ClientLink {

    final Socket socket;
    final FrameReader<Frame> reader;
    final OutputStream out;
    final String server;
    private final ClientConnection conn;
    private final SendCursor cursor;
    private final SendBatch sendBuffer = new SendBatch();

    /** Set when a migration replaced this link: its frames no longer count, its sender stops. */
    volatile boolean retired;

    ClientLink(ClientConnection conn, Handshake h, SendCursor cursor) throws IOException {
        this.conn = conn;
        this.socket = h.socket();
        this.reader = h.reader();
        this.out = socket.getOutputStream(); // unbuffered: each batch is one write from the send buffer
        this.server = h.welcome().server();
        this.cursor = cursor;
    }

    void start(int silenceTimeoutMillis) {
        try {
            socket.setSoTimeout(silenceTimeoutMillis);
        } catch (IOException e) {
            // dead already: the reader will report it
        }
        ((FrameDecoder) reader.decoder()).dataSink(new DataSink() {
            @Override
            public void data(long offset, int length, int pos, byte[] src, int off, int len) throws ProtocolException {
                conn.onData(ClientLink.this, offset, length, pos, src, off, len);
            }

            /** The rest of a payload straight from the socket into the inbound ring. */
            @Override
            public int readDirect(long offset, int length, int pos, int max, InputStream in) throws IOException {
                return conn.readData(offset, length, pos, max, in, this);
            }
        });
        Threads.startLinkIo("mtcp-client-read-" + server, this::readLoop);
        Threads.startLinkIo("mtcp-client-send-" + server, this::sendLoop);
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
                sendBuffer.clear();
                if (!conn.awaitFrames(this, cursor, sendBuffer)) {
                    break;
                }
                sendBuffer.writeTo(out);
            }
            if (cursor.closeSent()) {
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
