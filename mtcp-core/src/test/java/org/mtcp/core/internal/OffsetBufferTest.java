package org.mtcp.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class OffsetBufferTest {

    @Property(tries = 60)
    void behavesLikeAStreamWindow(@ForAll long seed) {
        Random r = new Random(seed);
        long base = r.nextInt(1000);
        OffsetBuffer b = new OffsetBuffer(base);
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        long modelStart = base;
        for (int step = 0; step < 200; step++) {
            if (r.nextBoolean()) {
                byte[] chunk = new byte[r.nextInt(5000)];
                r.nextBytes(chunk);
                b.append(chunk, 0, chunk.length);
                model.write(chunk, 0, chunk.length);
            } else if (b.size() > 0) {
                int n = r.nextInt(b.size() + 1);
                b.trimTo(b.start() + n);
                byte[] m = model.toByteArray();
                model.reset();
                model.write(m, n, m.length - n);
                modelStart += n;
            }
            byte[] m = model.toByteArray();
            assertThat(b.start()).isEqualTo(modelStart);
            assertThat(b.end()).isEqualTo(modelStart + m.length);
            assertThat(b.contentEquals(m)).isTrue();
            if (m.length > 0) {
                int from = r.nextInt(m.length);
                int len = r.nextInt(m.length - from + 1);
                byte[] probe = java.util.Arrays.copyOfRange(m, from, from + len);
                assertThat(b.mismatch(modelStart + from, probe, 0, len)).isEqualTo(-1);
                if (len > 0) {
                    // a difference anywhere in the probe, which may span the ring's wrap-around
                    int at = r.nextInt(len);
                    probe[at] ^= 1;
                    assertThat(b.mismatch(modelStart + from, probe, 0, len)).isEqualTo(modelStart + from + at);
                    probe[at] ^= 1;
                    probe[len - 1] ^= 1;
                    assertThat(b.mismatch(modelStart + from, probe, 0, len)).isEqualTo(modelStart + from + len - 1);
                }
            }
            assertThat(b.capacity()).isLessThanOrEqualTo(Math.max(4096, 4 * b.size() + 10_000));
        }
    }

    @Test
    void rangesOutsideTheWindowAreRefused() {
        OffsetBuffer b = new OffsetBuffer(100);
        b.append(new byte[10], 0, 10);
        assertThatThrownBy(() -> b.copy(99, new byte[1], 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> b.copy(105, new byte[10], 0, 6)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> b.trimTo(111)).isInstanceOf(IllegalArgumentException.class);
        b.trimTo(50); // below the start: nothing to do
        assertThat(b.start()).isEqualTo(100);
    }
}
