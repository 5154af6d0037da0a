package org.mtcp.core.internal.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.internal.wire.WireWriter;
import org.mtcp.core.transfer.ConnectionState;
import org.mtcp.core.transfer.TransferException;

/** The control-plane codec, tested like the service codec: splits, fragments, fuzz. */
class ControlCodecTest {

    private static final int LIMIT = 1 << 20;

    static List<ControlMessage> samples() {
        byte[] nonce = new byte[ControlCodec.NONCE_BYTES];
        byte[] mac = new byte[32];
        for (int i = 0; i < 32; i++) {
            nonce[i] = (byte) i;
            mac[i] = (byte) (255 - i);
        }
        ConnectionId id = new ConnectionId(1, 2);
        ConnectionState state = new ConnectionState(id, 3, "s1", new byte[] {9, 9, 9}, 10, 15,
                new byte[] {1, 2, 3, 4, 5}, 100, 90, 104, new byte[14], 20, 104, 5000);
        ConnectionState empty = new ConnectionState(id, 0, "x", new byte[0], 0, 0, new byte[0], 0, 0, 0,
                new byte[0], -1, -1, 0);
        List<ControlMessage> inner = List.of(
                new ControlMessage.Fetch(42, id, 3, "s2"),
                new ControlMessage.State(42, state),
                new ControlMessage.State(-1, empty),
                new ControlMessage.Refuse(7, TransferException.Reason.MOVED, "moved on", "s3"),
                new ControlMessage.Refuse(7, TransferException.Reason.UNREACHABLE, "", ""),
                new ControlMessage.Store(43, state),
                new ControlMessage.Store(44, empty),
                new ControlMessage.Stored(43),
                new ControlMessage.Forget(45, id, 3));
        List<ControlMessage> all = new ArrayList<>(List.of(
                new ControlMessage.Hello(Wire.VERSION, "s1", nonce),
                new ControlMessage.Challenge(Wire.VERSION, "s2", nonce, mac),
                new ControlMessage.Auth(mac),
                new ControlMessage.Denied("your proof is invalid")));
        long seq = 0;
        for (ControlMessage m : inner) {
            all.add(new ControlMessage.Sealed(seq++, mac, ControlEncoder.encodeInner(m), m));
        }
        return all;
    }

    @Test
    void samplesCoverEveryType() {
        Set<ControlType> seen = EnumSet.noneOf(ControlType.class);
        for (ControlMessage m : samples()) {
            seen.add(m.type());
            if (m instanceof ControlMessage.Sealed s) {
                seen.add(s.inner().type());
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(ControlType.values());
    }

    @Test
    void everyMessageSplitAtEveryPointAndInEveryFragmentSize() throws Exception {
        for (ControlMessage m : samples()) {
            byte[] bytes = ControlEncoder.encode(m);
            for (int cut = 0; cut <= bytes.length; cut++) {
                ControlDecoder d = new ControlDecoder(LIMIT);
                d.feed(bytes, 0, cut);
                d.feed(bytes, cut, bytes.length - cut);
                assertThat(d.poll()).as("%s cut at %d", m.type(), cut).isEqualTo(m);
                assertThat(d.poll()).isNull();
            }
            for (int size = 1; size <= bytes.length; size++) {
                assertThat(decodeAll(bytes, size)).containsExactly(m);
            }
        }
    }

    @Test
    void aStreamOfAllMessagesInEveryFragmentSize() throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (ControlMessage m : samples()) {
            stream.write(ControlEncoder.encode(m));
        }
        byte[] bytes = stream.toByteArray();
        for (int size = 1; size <= 100; size++) {
            assertThat(decodeAll(bytes, size)).containsExactlyElementsOf(samples());
        }
    }

    @Test
    void sealedOnlyTypesAreRefusedUnsealed() {
        byte[] bytes = ControlEncoder.encode(new ControlMessage.Fetch(1, new ConnectionId(1, 1), 0, "s1"));
        ControlDecoder d = new ControlDecoder(LIMIT);
        assertThatThrownBy(() -> d.feed(bytes, 0, bytes.length))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("must travel sealed");
    }

    @Test
    void inconsistentStateIsAProtocolError() {
        // inbound log of 5 bytes claimed for [10, 12)
        WireWriter w = new WireWriter(256);
        w.u8(ControlType.STATE.code).i64(1).i64(1).i64(2).i64(0).string("s1").blob32(new byte[0])
                .i64(10).i64(12).blob32(new byte[5]).i64(0).i64(0).i64(0).blob32(new byte[0])
                .i64(-1).i64(-1).i64(0);
        byte[] inner = w.toByteArray();
        byte[] frame = ControlEncoder.encode(new ControlMessage.Sealed(0, new byte[32], inner,
                new ControlMessage.Denied("placeholder")));
        ControlDecoder d = new ControlDecoder(LIMIT);
        assertThatThrownBy(() -> d.feed(frame, 0, frame.length))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("inconsistent connection state");
    }

    @Test
    void oversizedStateIsRefusedAtTheHeader() {
        ControlDecoder d = new ControlDecoder(1000);
        byte[] header = {0, 0, 0x10, 0, (byte) ControlType.SEALED.code};
        assertThatThrownBy(() -> d.feed(header, 0, header.length))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("exceeds the limit");
        assertThat(d.bufferedBytes()).isZero();
    }

    @Property(tries = 2000)
    void randomBytesFailCleanly(@ForAll @Size(max = 4096) byte[] input, @ForAll @IntRange(min = 1, max = 512) int fragment) {
        feed(input, fragment);
    }

    @Property(tries = 2000)
    void mutatedMessagesFailCleanly(@ForAll("encoded") byte[] message, @ForAll @IntRange(min = 0, max = 10_000) int position,
            @ForAll byte value, @ForAll boolean truncate, @ForAll @IntRange(min = 1, max = 64) int fragment) {
        byte[] m = message.clone();
        int p = position % m.length;
        m[p] = value;
        if (truncate) {
            m = java.util.Arrays.copyOf(m, p);
        }
        feed(m, fragment);
    }

    @Provide
    Arbitrary<byte[]> encoded() {
        return Arbitraries.of(samples()).map(ControlEncoder::encode);
    }

    private static void feed(byte[] input, int fragment) {
        ControlDecoder d = new ControlDecoder(64 * 1024);
        try {
            for (int i = 0; i < input.length; i += fragment) {
                d.feed(input, i, Math.min(fragment, input.length - i));
                assertThat(d.bufferedBytes()).isLessThanOrEqualTo(64 * 1024);
                while (d.poll() != null) {
                    // fine
                }
            }
        } catch (ProtocolException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    private static List<ControlMessage> decodeAll(byte[] bytes, int fragment) throws ProtocolException {
        ControlDecoder d = new ControlDecoder(LIMIT);
        List<ControlMessage> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += fragment) {
            d.feed(bytes, i, Math.min(fragment, bytes.length - i));
            for (ControlMessage m; (m = d.poll()) != null; ) {
                out.add(m);
            }
        }
        return out;
    }
}
