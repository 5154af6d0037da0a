package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ResetCode;
import org.mtcp.core.internal.wire.Wire;

/** The client against a hand-written holder that misbehaves. */
@Timeout(30)
class ClientProtocolTest {

    /** Answers the first HELLO with WELCOME and then {@code frames}; refuses any later HELLO. */
    static ServerSocket fakeHolder(List<Frame> frames) throws IOException {
        ServerSocket listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        int port = listener.getLocalPort();
        Thread.ofVirtual().start(() -> {
            boolean first = true;
            while (true) {
                try {
                    Socket s = listener.accept();
                    FrameReader<Frame> in = new FrameReader<>(s.getInputStream(), new FrameDecoder(1 << 20));
                    OutputStream out = s.getOutputStream();
                    Frame.Hello h = (Frame.Hello) in.read();
                    if (first) {
                        first = false;
                        // in the HELLO's version, with the binding key a version-5 client needs
                        out.write(FrameEncoder.encode(new Frame.Welcome(h.version(), new ConnectionId(1, 2), 0,
                                "fake", new byte[10], 0, 1 << 20, 1 << 20, 1000,
                                List.of(new Frame.Peer("fake", "127.0.0.1", port)), new byte[Wire.BINDING_KEY_BYTES])));
                        for (Frame f : frames) {
                            out.write(FrameEncoder.encode(f));
                        }
                    } else {
                        out.write(FrameEncoder.encode(new Frame.Reset(ResetCode.UNKNOWN_CONNECTION,
                                "no such connection " + h.id(), "")));
                    }
                    out.flush();
                } catch (IOException e) {
                    return;
                }
            }
        });
        return listener;
    }

    @Test
    void aGapInTheHoldersStreamFailsTheConnectionWithAClearError() throws Exception {
        try (ServerSocket fake = fakeHolder(List.of(new Frame.Data(0, new byte[10]), new Frame.Data(20, new byte[5])))) {
            MtcpSocket s = MtcpSocket.connect(List.of((InetSocketAddress) fake.getLocalSocketAddress()),
                    ClientOptions.defaults());
            assertThat(s.getInputStream().readNBytes(10)).hasSize(10);
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(IOException.class)
                    .hasMessageContaining("protocol error: gap in the holder's stream: DATA at 20 but only 10 bytes received")
                    .hasMessageContaining("unknown-connection");
            s.close();
        }
    }

    @Test
    void duplicatesAreDroppedAndOverlapsTrimmed() throws Exception {
        byte[] a = {1, 2, 3, 4, 5, 6};
        try (ServerSocket fake = fakeHolder(List.of(
                new Frame.Data(0, new byte[] {1, 2, 3}),
                new Frame.Data(0, new byte[] {1, 2}),           // duplicate
                new Frame.Data(1, new byte[] {2, 3, 4, 5}),     // overlaps: only 4, 5 are new
                new Frame.Data(5, new byte[] {6}),
                new Frame.Fin(6)))) {
            MtcpSocket s = MtcpSocket.connect(List.of((InetSocketAddress) fake.getLocalSocketAddress()),
                    ClientOptions.defaults());
            assertThat(s.getInputStream().readNBytes(6)).isEqualTo(a);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            s.close();
        }
    }

    @Test
    void bytesBeyondTheWindowAreAProtocolError() throws Exception {
        try (ServerSocket fake = fakeHolder(List.of(new Frame.Data(0, new byte[3000])))) {
            MtcpSocket s = MtcpSocket.connect(List.of((InetSocketAddress) fake.getLocalSocketAddress()),
                    ClientOptions.defaults().withReceiveBufferSize(2048));
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(IOException.class)
                    .hasMessageContaining("beyond the window");
            s.close();
        }
    }
}
