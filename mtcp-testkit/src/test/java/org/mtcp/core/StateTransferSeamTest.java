package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mtcp.testkit.Bytes.ascii;
import static org.mtcp.testkit.Bytes.readAscii;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.StateTransfer;
import org.mtcp.core.transfer.TransferContext;
import org.mtcp.testkit.LoopbackPool;

/**
 * {@link StateTransfer} is a real seam: a strategy sees every export (when it asks to) with the
 * state at that moment, and obtains the state of every takeover, so a replicating strategy can
 * be added without touching the server.
 */
@Timeout(30)
class StateTransferSeamTest {

    /** Lazy underneath, recording what the server asks of it. */
    static final class RecordingTransfer implements StateTransfer {
        final List<ConnectionState> exported = new CopyOnWriteArrayList<>();
        final List<String> acquired = new CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public ConnectionState acquire(ConnectionId id, long epoch, String holder, TransferContext context)
                throws IOException {
            acquired.add(context.localName() + "<-" + holder + "@" + epoch);
            return StateTransfer.lazy().acquire(id, epoch, holder, context);
        }

        @Override
        public boolean pushesOnExport() {
            return true;
        }

        @Override
        public void exported(ConnectionState state, TransferContext context) {
            exported.add(state);
        }
    }

    @Test
    void aStrategySeesEveryExportAndEveryTakeover() throws Exception {
        RecordingTransfer transfer = new RecordingTransfer();
        try (LoopbackPool pool = LoopbackPool.start(2, ServerOptions.defaults().withStateTransfer(transfer))) {
            BlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
            pool.serve(q::add);
            try (MtcpSocket s = MtcpSocket.connect(pool.serviceAddresses(), ClientOptions.defaults())) {
                MtcpServerConnection c1 = q.poll(10, TimeUnit.SECONDS);
                s.getOutputStream().write(ascii("abcdef"));
                assertThat(readAscii(c1.getInputStream(), 4)).isEqualTo("abcd");
                c1.getOutputStream().write(ascii("XY"));
                c1.exportState(ascii("one"));
                assertThat(transfer.exported).singleElement().satisfies(st -> {
                    assertThat(st.id()).isEqualTo(s.id());
                    assertThat(new String(st.snapshot())).isEqualTo("one");
                    assertThat(st.inSnap()).isEqualTo(4);
                    assertThat(st.outSnap()).isEqualTo(2);
                    assertThat(st.holder()).isEqualTo("s1");
                });
                assertThat(s.migrate("s2").succeeded()).isTrue();
                assertThat(transfer.acquired).containsExactly("s2<-s1@0");
                MtcpServerConnection c2 = q.poll(10, TimeUnit.SECONDS);
                assertThat(new String(c2.importState())).isEqualTo("one");
                assertThat(readAscii(c2.getInputStream(), 2)).isEqualTo("ef");
                c2.exportState(ascii("two"));
                assertThat(transfer.exported).hasSize(2).last().satisfies(st -> {
                    assertThat(st.epoch()).isEqualTo(1);
                    assertThat(st.holder()).isEqualTo("s2");
                    assertThat(st.inSnap()).isEqualTo(6);
                });
            }
        }
    }
}
