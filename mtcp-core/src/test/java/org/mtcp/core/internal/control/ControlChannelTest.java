package org.mtcp.core.internal.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.cert.Hmac;
import org.mtcp.core.internal.wire.Wire;

/** Mutual authentication and sealed messages of the control plane, on loopback sockets. */
@Timeout(30)
class ControlChannelTest {

    static final byte[] KEY = Hmac.derive("0123456789abcdef0123456789abcdef".getBytes(), Hmac.CONTROL_KEY);
    static final byte[] OTHER_KEY = Hmac.derive("fedcba9876543210fedcba9876543210".getBytes(), Hmac.CONTROL_KEY);

    ServerSocket listener;

    @BeforeEach
    void listen() throws IOException {
        listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        listener.close();
    }

    CompletableFuture<ControlChannel> respond(byte[] key) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                Socket s = listener.accept();
                s.setSoTimeout(5000);
                return ControlChannel.respond(s, key, "s1", n -> n.equals("s2"), 1 << 20);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
    }

    Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        s.setSoTimeout(5000);
        return s;
    }

    @Test
    void bothSidesAuthenticateAndExchangeSealedMessages() throws Exception {
        CompletableFuture<ControlChannel> server = respond(KEY);
        ControlChannel client = ControlChannel.initiate(connect(), KEY, "s2", "s1", 1 << 20);
        ControlChannel responder = server.get(5, TimeUnit.SECONDS);
        assertThat(client.peerName()).isEqualTo("s1");
        assertThat(responder.peerName()).isEqualTo("s2");
        ControlMessage.Fetch fetch = new ControlMessage.Fetch(7, new ConnectionId(1, 2), 3, "s2");
        client.send(fetch);
        assertThat(responder.receive()).isEqualTo(fetch);
        ControlMessage.Refuse refuse = new ControlMessage.Refuse(7,
                org.mtcp.core.transfer.TransferException.Reason.UNKNOWN, "no", "");
        responder.send(refuse);
        assertThat(client.receive()).isEqualTo(refuse);
        client.close();
        assertThat(responder.receive()).isNull();
    }

    @Test
    void aDifferentSecretFailsOnBothSides() throws Exception {
        CompletableFuture<ControlChannel> server = respond(KEY);
        assertThatThrownBy(() -> ControlChannel.initiate(connect(), OTHER_KEY, "s2", "s1", 1 << 20))
                .isInstanceOf(ControlChannel.AuthenticationException.class)
                .hasMessageContaining("failed to prove it knows the pool secret");
        assertThatThrownBy(() -> server.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IOException.class);
    }

    @Test
    void anUnknownMemberIsDenied() throws Exception {
        CompletableFuture<ControlChannel> server = respond(KEY);
        assertThatThrownBy(() -> ControlChannel.initiate(connect(), KEY, "s9", "s1", 1 << 20))
                .isInstanceOf(ControlChannel.AuthenticationException.class)
                .hasMessageContaining("not a member");
        assertThatThrownBy(() -> server.get(5, TimeUnit.SECONDS))
                .hasRootCauseMessage("control handshake from unknown member s9");
    }

    @Test
    void reachingTheWrongMemberIsDetected() throws Exception {
        respond(KEY);
        assertThatThrownBy(() -> ControlChannel.initiate(connect(), KEY, "s2", "s3", 1 << 20))
                .isInstanceOf(ControlChannel.AuthenticationException.class)
                .hasMessageContaining("reached s1 instead of s3");
    }

    @Test
    void aTamperedSealedMessageIsRejected() throws Exception {
        CompletableFuture<ControlChannel> server = respond(KEY);
        Socket raw = connect();
        ControlChannel client = ControlChannel.initiate(raw, KEY, "s2", "s1", 1 << 20);
        ControlChannel responder = server.get(5, TimeUnit.SECONDS);
        // A sealed FETCH whose body was altered after sealing: the MAC no longer matches.
        ControlMessage.Fetch fetch = new ControlMessage.Fetch(1, new ConnectionId(1, 2), 3, "s2");
        byte[] inner = ControlEncoder.encodeInner(fetch);
        byte[] mac = new byte[32];
        inner[10] ^= 1; // a byte of the connection id
        OutputStream out = raw.getOutputStream();
        out.write(ControlEncoder.encode(new ControlMessage.Sealed(0, mac, inner, fetch)));
        out.flush();
        assertThatThrownBy(responder::receive).isInstanceOf(ControlChannel.AuthenticationException.class)
                .hasMessageContaining("bad MAC");
        client.close();
    }

    @Test
    void aReplayedSealedMessageIsRejected() throws Exception {
        CompletableFuture<ControlChannel> server = respond(KEY);
        Socket raw = connect();
        // Record what the client sends, to replay it.
        java.io.ByteArrayOutputStream recorded = new java.io.ByteArrayOutputStream();
        Socket tap = new Socket() {
            @Override
            public OutputStream getOutputStream() throws IOException {
                OutputStream real = raw.getOutputStream();
                return new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        real.write(b);
                        recorded.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        real.write(b, off, len);
                        recorded.write(b, off, len);
                    }

                    @Override
                    public void flush() throws IOException {
                        real.flush();
                    }
                };
            }

            @Override
            public java.io.InputStream getInputStream() throws IOException {
                return raw.getInputStream();
            }
        };
        ControlChannel client = ControlChannel.initiate(tap, KEY, "s2", "s1", 1 << 20);
        ControlChannel responder = server.get(5, TimeUnit.SECONDS);
        int handshake = recorded.size();
        ControlMessage.Fetch fetch = new ControlMessage.Fetch(1, new ConnectionId(1, 2), 3, "s2");
        client.send(fetch);
        assertThat(responder.receive()).isEqualTo(fetch);
        byte[] all = recorded.toByteArray();
        raw.getOutputStream().write(all, handshake, all.length - handshake); // the same bytes again
        raw.getOutputStream().flush();
        assertThatThrownBy(responder::receive).isInstanceOf(ControlChannel.AuthenticationException.class)
                .hasMessageContaining("replayed or reordered");
        assertThat(Wire.VERSION).isEqualTo(1);
        client.close();
    }
}
