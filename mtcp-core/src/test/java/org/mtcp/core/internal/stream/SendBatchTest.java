package org.mtcp.core.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;

/**
 * A sender's batch on the wire: frames in the order they were added, a large payload written
 * from the ring in place (across the ring's wrap-around too), a small one copied behind its header.
 */
class SendBatchTest {

    @Test
    void framesAddedAroundARingPayloadKeepTheirOrderOnTheWire() throws Exception {
        for (int size : new int[] {100, 40_000, 200_000}) {
            Outbound out = new Outbound(0, new byte[0], Long.MAX_VALUE);
            out.peer(1 << 20, Long.MAX_VALUE, false);
            byte[] grow = new byte[2 * size + 2048];
            out.append(grow, 0, grow.length); // the ring grows to this and keeps it
            out.acknowledged(grow.length);
            byte[] junk = new byte[grow.length * 3 / 4];
            out.append(junk, 0, junk.length);
            out.acknowledged(grow.length + junk.length - 1); // the head near the end: the payload wraps
            junk = new byte[grow.length + junk.length];
            byte[] payload = new byte[size];
            for (int i = 0; i < size; i++) {
                payload[i] = (byte) (i * 31);
            }
            out.append(payload, 0, size);
            SendBatch b = new SendBatch();
            FrameEncoder.encodeInto(b.frames(), new Frame.Ping(1));
            assertThat(out.writeData(new SendCursor(junk.length), b)).isEqualTo(size);
            FrameEncoder.encodeInto(b.frames(), new Frame.Fin(junk.length + size));
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            b.writeTo(wire);
            FrameDecoder d = new FrameDecoder(1 << 20);
            byte[] bytes = wire.toByteArray();
            d.feed(bytes, 0, bytes.length);
            List<Frame> frames = new ArrayList<>();
            for (Frame f; (f = d.poll()) != null; ) {
                frames.add(f);
            }
            assertThat(frames).as("payload of %d", size).containsExactly(new Frame.Ping(1),
                    new Frame.Data(junk.length, payload), new Frame.Fin(junk.length + size));
        }
    }
}
