package org.mtcp.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class OffsetBufferTest {

    /**
     * A reader fills the reserved tail outside the lock while the owner trims and releases, or
     * another writer appends (after which the reader's late bytes must land nowhere): the content
     * is always exactly what was committed, in order.
     */
    @Property(tries = 60)
    void reservedTailIsFilledInPlaceAndNeverCorrupted(@ForAll long seed) {
        Random r = new Random(seed);
        OffsetBuffer b = OffsetBuffer.highWater(r.nextInt(1000));
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        long modelStart = b.start();
        for (int step = 0; step < 300; step++) {
            int want = 1 + r.nextInt(6000);
            int room = b.reserveTail(want);
            assertThat(room).isBetween(1, want);
            byte[] into = b.array();
            int at = b.tailIndex();
            byte[] chunk = new byte[1 + r.nextInt(room)];
            r.nextBytes(chunk);
            System.arraycopy(chunk, 0, into, at, chunk.length); // the socket read, outside the lock
            int meanwhile = r.nextInt(4);
            if (meanwhile == 1 && b.size() > 0) { // the application reads
                int n = r.nextInt(b.size() + 1);
                b.trimTo(b.start() + n);
                byte[] m = model.toByteArray();
                model.reset();
                model.write(m, n, m.length - n);
                modelStart += n;
            } else if (meanwhile == 2) { // the sender gives idle memory back
                b.release();
            }
            if (meanwhile == 3) { // another link's bytes: the reader's array is abandoned
                byte[] other = new byte[1 + r.nextInt(3000)];
                r.nextBytes(other);
                b.append(other, 0, other.length);
                model.write(other, 0, other.length);
                java.util.Arrays.fill(into, at, at + chunk.length, (byte) 0x5A); // its late bytes
            } else if (r.nextInt(8) == 0) {
                b.cancelReservation(b.reservation()); // the read failed
            } else {
                int capacity = b.capacity();
                b.append(into, at, chunk.length);
                model.write(chunk, 0, chunk.length);
                assertThat(b.capacity()).isEqualTo(capacity); // committed in place, no regrowth
            }
            byte[] m = model.toByteArray();
            assertThat(b.start()).isEqualTo(modelStart);
            assertThat(b.end()).isEqualTo(modelStart + m.length);
            assertThat(b.contentEquals(m)).isTrue();
        }
    }

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
