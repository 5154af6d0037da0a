package org.mtcp.core.internal.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolConfig.PreviousSecret;
import org.mtcp.core.internal.cert.Hmac;
import org.mtcp.core.internal.cert.KeyRing;

/** The control handshake between servers at different phases of a secret rotation, on loopback sockets. */
@Timeout(30)
class ControlRotationTest {

    static final byte[] OLD = "the old pool secret, 32 bytes!!!".getBytes();
    static final byte[] NEW = "the new pool secret, 32 bytes!!!".getBytes();
    static final Instant UNTIL = Instant.parse("2026-12-04T12:00:00Z");
    static final Clock DURING = Clock.fixed(UNTIL.minusSeconds(60), ZoneOffset.UTC);
    static final Clock AFTER = Clock.fixed(UNTIL.plusSeconds(60), ZoneOffset.UTC);

    ServerSocket listener;

    @BeforeEach
    void listen() throws IOException {
        listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        listener.close();
    }

    static KeyRing ring(byte[] current, byte[] accepted, Clock clock) {
        PoolConfig pool = new PoolConfig(current, List.of()).withSecrets(current,
                accepted == null ? List.of() : List.of(new PreviousSecret(accepted, UNTIL)));
        return new KeyRing(pool, Hmac.CONTROL_KEY, clock);
    }

    /** s2 initiates to s1; returns both ends after a sealed message went each way. */
    void handshake(KeyRing s1, KeyRing s2) throws Exception {
        CompletableFuture<ControlChannel> responder = CompletableFuture.supplyAsync(() -> {
            try {
                Socket s = listener.accept();
                s.setSoTimeout(5000);
                return ControlChannel.respond(s, s1, "s1", n -> n.equals("s2"), 1 << 20);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        socket.setSoTimeout(5000);
        try (ControlChannel initiator = ControlChannel.initiate(socket, s2, "s2", "s1", 1 << 20);
                ControlChannel r = responder.get(5, TimeUnit.SECONDS)) {
            ControlMessage.Fetch fetch = new ControlMessage.Fetch(1, new ConnectionId(1, 2), 3, "s2");
            initiator.send(fetch);
            assertThat(r.receive()).isEqualTo(fetch);
            ControlMessage.Stored stored = new ControlMessage.Stored(1);
            r.send(stored);
            assertThat(initiator.receive()).isEqualTo(stored);
        } finally {
            socket.close();
        }
    }

    @Test
    void serversOnEitherSideOfPhaseTwoTalkBothWays() throws Exception {
        KeyRing phase1 = ring(OLD, NEW, DURING);   // signs OLD, accepts NEW
        KeyRing phase2 = ring(NEW, OLD, DURING);   // signs NEW, accepts OLD until UNTIL
        KeyRing notYet = ring(OLD, null, DURING);  // has not heard of NEW
        KeyRing done = ring(NEW, null, DURING);    // phase 3
        handshake(phase1, phase2);
        handshake(phase2, phase1);
        handshake(notYet, phase2);
        handshake(done, phase2);
        handshake(phase2, done);
        handshake(done, phase1);
    }

    @Test
    void phaseTwoBeforePhaseOneIsEverywhereCutsTheLaggardOff() throws Exception {
        // why phase 1 (accept NEW everywhere) must be complete before any server signs with NEW:
        // a server that never heard of NEW cannot check a phase-2 server's proof
        assertThatThrownBy(() -> handshake(ring(NEW, OLD, DURING), ring(OLD, null, DURING)))
                .isInstanceOf(ControlChannel.AuthenticationException.class)
                .hasMessageContaining("made with none of the pool's secrets");
    }

    @Test
    void afterTheOverlapTheOldSecretIsRefusedWithTheReason() throws Exception {
        KeyRing old = ring(OLD, null, AFTER);
        KeyRing rotated = ring(NEW, OLD, AFTER);
        // a server still on OLD initiating to a rotated one: the responder's proof is NEW, which it
        // does not know; the rotated responder hears DENIED
        assertThatThrownBy(() -> handshake(rotated, old)).isInstanceOf(ControlChannel.AuthenticationException.class)
                .hasMessageContaining("made with none of the pool's secrets");
        listener.close();
        listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        // the rotated server initiating to one still on OLD: OLD is past its until
        assertThatThrownBy(() -> handshake(old, rotated)).isInstanceOf(ControlChannel.AuthenticationException.class)
                .hasMessage("control handshake: s1 failed to prove it knows the pool secret: its proof was made with a"
                        + " previous pool secret accepted only until " + UNTIL + " (60 s ago)");
    }
}
