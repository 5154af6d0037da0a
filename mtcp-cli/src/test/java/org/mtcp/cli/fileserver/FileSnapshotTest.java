package org.mtcp.cli.fileserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileSnapshotTest {

    private static final FileSnapshot BODY = FileSnapshot.body(3, 1000, 1080, "GET /x".getBytes(),
            "dir/caf\u00e9.bin", 4_000_000_000L, 123_456, true);

    @Test
    void roundTripsEveryPhase() {
        for (FileSnapshot s : new FileSnapshot[] {BODY, FileSnapshot.idle(7, 99, new byte[] {1, 2}),
                FileSnapshot.closing(2, 500)}) {
            assertThat(FileSnapshot.decode(s.encode(0))).isEqualTo(s);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 100, 2048, 10 * 1024, 16 * 1024})
    void padsToTheRequestedSize(int pad) {
        byte[] encoded = BODY.encode(pad);
        int natural = BODY.encode(0).length;
        assertThat(encoded.length).isEqualTo(Math.max(natural, pad));
        assertThat(FileSnapshot.decode(encoded)).isEqualTo(BODY);
    }

    @Test
    void rejectsEveryTruncationAndTrailingBytes() {
        byte[] encoded = BODY.encode(64);
        for (int len = 0; len < encoded.length; len++) {
            byte[] cut = Arrays.copyOf(encoded, len);
            assertThatThrownBy(() -> FileSnapshot.decode(cut)).isInstanceOf(IllegalArgumentException.class);
        }
        byte[] longer = Arrays.copyOf(encoded, encoded.length + 1);
        assertThatThrownBy(() -> FileSnapshot.decode(longer)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsForeignAndCorruptSnapshots() {
        assertThatThrownBy(() -> FileSnapshot.decode("hello world, not a snapshot".getBytes()))
                .hasMessageContaining("magic");
        byte[] encoded = BODY.encode(0);
        byte[] badPhase = encoded.clone();
        badPhase[4] = 9;
        assertThatThrownBy(() -> FileSnapshot.decode(badPhase)).isInstanceOf(IllegalArgumentException.class);
        byte[] hugePending = encoded.clone();
        hugePending[4 + 1 + 8 + 8 + 8] = 0x7f;
        assertThatThrownBy(() -> FileSnapshot.decode(hugePending)).isInstanceOf(IllegalArgumentException.class);
        FileSnapshot beyond = new FileSnapshot(FileSnapshot.Phase.BODY, 0, 0, 0, new byte[0], "x", 10, 11, true);
        assertThatThrownBy(() -> FileSnapshot.decode(beyond.encode(0))).hasMessageContaining("offset");
    }

    @Test
    void degradationGrowsStepByStepUpToTheMaximum() {
        Degradation d = new Degradation(32 * 1024, Duration.ofMillis(2), Duration.ofMillis(5));
        assertThat(d.delayNanos(32 * 1024 - 1, 0)).isZero();
        assertThat(d.delayNanos(32 * 1024, 0)).isEqualTo(2_000_000);
        assertThat(d.delayNanos(40 * 1024, 1)).isEqualTo(4_000_000);
        assertThat(d.delayNanos(40 * 1024, 2)).isEqualTo(5_000_000);
        assertThat(d.delayNanos(40 * 1024, Long.MAX_VALUE - 1)).isEqualTo(5_000_000);
        assertThat(Degradation.NONE.delayNanos(Long.MAX_VALUE, 100)).isZero();
    }
}
