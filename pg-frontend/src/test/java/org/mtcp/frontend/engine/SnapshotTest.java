package org.mtcp.frontend.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtcp.jdbc.TxId;

class SnapshotTest {

    static final List<Snapshot> SAMPLES = List.of(
            new Snapshot.Idle(0),
            new Snapshot.Idle(Long.MAX_VALUE),
            new Snapshot.InBatch(3, false, "b-1", 42, 1, null, 0),
            new Snapshot.InBatch(0, true, "x".repeat(100), Long.MAX_VALUE, 10_000, new TxId(4294967295L, -2L), 9_999),
            new Snapshot.InBatch(7, false, "c0123-4", 1, 5, new TxId(1, 123456789L), 4),
            new Snapshot.InBatch(7, false, "c0123-5", 1, 5, TxId.unqualified(987654321L), 4),
            new Snapshot.Ending(2, false, "{\"summary\":true,\"batch\":\"é\"}\n", 200),
            new Snapshot.Ending(2, true, "{}\n", 0),
            new Snapshot.Replay(4, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    200, "application/json", "{\"status\":\"ok\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            new Snapshot.Replay(0, new byte[] {'G'}, 503, "", new byte[0]));

    @Test
    void roundTrips() throws IOException {
        for (Snapshot s : SAMPLES) {
            assertThat(Snapshot.decode(Snapshot.encode(s))).isEqualTo(s);
        }
        assertThat(Snapshot.decode(new byte[0])).isNull();
    }

    /**
     * A front-end of the previous release (mtcp 0.1) wrote version 1, with a bare xid: it still
     * decodes, as an unqualified tid (the database's current timeline). Only a tid with a timeline
     * needs version 2; everything else stays readable by such a front-end.
     */
    @Test
    void aVersion1SnapshotWithABareXidIsStillRead() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.write(new byte[] {'M', 'F', 1, Snapshot.KIND_BATCH});
            out.writeLong(9);                   // ordinal
            out.writeBoolean(false);            // closeAfter
            out.writeUTF("b-old");
            out.writeLong(42);                  // session
            out.writeInt(3);                    // seq
            out.writeBoolean(true);             // has a tid
            out.writeLong(771);                 // the xid8
            out.writeInt(2);                    // lines
        }
        assertThat(Snapshot.decode(bytes.toByteArray()))
                .isEqualTo(new Snapshot.InBatch(9, false, "b-old", 42, 3, TxId.unqualified(771), 2));
        for (Snapshot s : SAMPLES) {
            boolean timeline = s instanceof Snapshot.InBatch b && b.tid() != null && b.tid().isQualified();
            assertThat(Snapshot.encode(s)[2]).as(s.toString()).isEqualTo(timeline ? Snapshot.VERSION_2 : Snapshot.VERSION_1);
        }
    }

    @Test
    void everyTruncationAndTrailingByteIsRefused() {
        for (Snapshot s : SAMPLES) {
            byte[] bytes = Snapshot.encode(s);
            for (int n = 1; n < bytes.length; n++) {
                byte[] cut = java.util.Arrays.copyOf(bytes, n);
                assertThatThrownBy(() -> Snapshot.decode(cut)).isInstanceOf(IOException.class);
            }
            byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
            assertThatThrownBy(() -> Snapshot.decode(longer)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void randomBytesNeverDecodeToGarbageSilently() {
        Random random = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            byte[] b = new byte[random.nextInt(64)];
            random.nextBytes(b);
            if (b.length > 3 && random.nextBoolean()) {
                b[0] = 'M';
                b[1] = 'F';
                b[2] = (byte) (1 + random.nextInt(2));
                b[3] = (byte) (1 + random.nextInt(4));
            }
            try {
                Snapshot s = Snapshot.decode(b);
                if (s != null) {
                    assertThat(Snapshot.encode(s)).isEqualTo(b);
                }
            } catch (IOException expected) {
                // refused
            }
        }
    }
}
