package org.mtcp.core;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.mtcp.core.internal.cert.ChannelBinding;
import org.mtcp.core.internal.cert.ClientKey;
import org.mtcp.core.internal.cert.MigrationProof;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.FrameReader;

/** A hand-driven protocol peer for tests that need frames a real client never sends. */
final class RawClient implements AutoCloseable {

    final Socket socket;
    final FrameReader<Frame> reader;
    final OutputStream out;

    RawClient(InetSocketAddress address) throws IOException {
        socket = new Socket(address.getHostString(), address.getPort());
        socket.setSoTimeout(10_000);
        reader = new FrameReader<>(socket.getInputStream(), new FrameDecoder(1 << 20));
        out = socket.getOutputStream();
    }

    RawClient send(Frame f) throws IOException {
        out.write(FrameEncoder.encode(f));
        out.flush();
        return this;
    }

    RawClient sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** The next frame, or null at EOF. */
    Frame read() throws IOException {
        return reader.read();
    }

    /** The first RESET or WELCOME, skipping anything else (ACKs, PONGs). */
    Frame readUntilResetOrWelcome() throws IOException {
        while (true) {
            Frame f = reader.read();
            if (f == null || f instanceof Frame.Reset || f instanceof Frame.Welcome) {
                return f;
            }
        }
    }

    static Frame.Hello migrateHello(ConnectionId id, long epoch, byte[] cert) {
        return new Frame.Hello(org.mtcp.core.internal.wire.Wire.VERSION, Frame.HelloKind.MIGRATE, 1 << 20, 0,
                1 << 20, 1000, id, epoch, cert);
    }

    /** HELLO{migrate} of the current version, not signed yet ({@link #signedMigrateHello} signs it). */
    static Frame.Hello currentMigrateHello(ConnectionId id, long epoch, byte[] cert) {
        return new Frame.Hello(org.mtcp.core.internal.wire.Wire.SERVICE_VERSION, Frame.HelloKind.MIGRATE, 1 << 20, 0,
                1 << 20, 1000, id, epoch, cert, 0);
    }

    /**
     * HELLO{migrate} of the current version for this raw link to server {@code target}, its proof
     * signed with {@code key}: the rightful client's key to play that client, any other to play a thief.
     */
    Frame.Hello signedMigrateHello(ConnectionId id, long epoch, byte[] cert, ClientKey key, String target)
            throws IOException {
        return currentMigrateHello(id, epoch, cert)
                .withProof(MigrationProof.sign(key, cert, ChannelBinding.forLink(socket, target, cert)));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
