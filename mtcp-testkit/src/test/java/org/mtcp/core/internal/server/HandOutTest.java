package org.mtcp.core.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigratedException;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.core.MtcpSocket;
import org.mtcp.core.PoolMember;
import org.mtcp.core.internal.cert.Hmac;
import org.mtcp.core.internal.cert.KeyRing;
import org.mtcp.core.internal.control.ControlClient;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferException;
import org.mtcp.testkit.LoopbackPool;

/**
 * The holder side of a lazy transfer over the real control plane: the state is handed out once
 * per epoch, a retry of the same request gets the same state, anything else gets "moved".
 */
@Timeout(30)
class HandOutTest {

    @Test
    void stateIsHandedOutOncePerEpoch() throws Exception {
        try (LoopbackPool pool = LoopbackPool.start(3)) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults().withFailover(false))) {
                MtcpServerConnection c = q.poll(10, TimeUnit.SECONDS);
                s.getOutputStream().write(new byte[] {1, 2, 3});
                assertThat(c.getInputStream().readNBytes(3)).hasSize(3);
                c.exportState(new byte[] {9});

                KeyRing key = KeyRing.single(Hmac.derive(pool.secret(), Hmac.CONTROL_KEY));
                PoolMember s1 = pool.pool().member("s1").orElseThrow();
                try (ControlClient asS2 = new ControlClient(key, "s2", 2000, 1 << 24);
                        ControlClient asS3 = new ControlClient(key, "s3", 2000, 1 << 24)) {
                    assertThatThrownBy(() -> asS2.fetch(s1, s.id(), 1, 7))
                            .isInstanceOf(TransferException.class)
                            .satisfies(e -> assertThat(((TransferException) e).reason())
                                    .isEqualTo(TransferException.Reason.UNKNOWN));

                    ConnectionState st = asS2.fetch(s1, s.id(), 0, 7);
                    assertThat(st.snapshot()).containsExactly(9);
                    assertThat(st.inSnap()).isEqualTo(3);
                    assertThat(st.received()).isEqualTo(3);
                    assertThatThrownBy(() -> c.getInputStream().read()).isInstanceOf(MigratedException.class);

                    // The same request again (its reply was lost): the same state.
                    ConnectionState again = asS2.fetch(s1, s.id(), 0, 7);
                    assertThat(again.snapshot()).containsExactly(9);
                    // Any other request for that epoch: moved, naming where it went.
                    assertThatThrownBy(() -> asS2.fetch(s1, s.id(), 0, 8))
                            .isInstanceOf(TransferException.class)
                            .satisfies(e -> {
                                TransferException t = (TransferException) e;
                                assertThat(t.reason()).isEqualTo(TransferException.Reason.MOVED);
                                assertThat(t.hint()).isEqualTo("s2");
                            });
                    assertThatThrownBy(() -> asS3.fetch(s1, s.id(), 0, 7))
                            .isInstanceOf(TransferException.class)
                            .satisfies(e -> assertThat(((TransferException) e).reason())
                                    .isEqualTo(TransferException.Reason.MOVED));
                }
                assertThat(pool.server("s1").stats().migratedOut()).isEqualTo(1);
                assertThat(pool.server("s1").stats().open()).isZero();
            }
        }
    }
}
