package org.mtcp.core.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every frame type, whole and split at every point and in every fragment size. */
class FrameCodecTest {

    private static final int MAX_PAYLOAD = 1 << 20;

    @Test
    void samplesCoverEveryFrameType() {
        Set<FrameType> seen = EnumSet.noneOf(FrameType.class);
        SampleFrames.all().forEach(f -> seen.add(f.type()));
        assertThat(seen).containsExactlyInAnyOrder(FrameType.values());
    }

    @Test
    void everyFrameRoundTripsWhole() throws Exception {
        for (Frame f : SampleFrames.all()) {
            assertThat(decodeAll(FrameEncoder.encode(f), Integer.MAX_VALUE)).containsExactly(f);
        }
    }

    @Test
    void everyFrameSplitAtEveryPoint() throws Exception {
        for (Frame f : SampleFrames.all()) {
            byte[] bytes = FrameEncoder.encode(f);
            for (int cut = 0; cut <= bytes.length; cut++) {
                FrameDecoder d = new FrameDecoder(MAX_PAYLOAD);
                d.feed(bytes, 0, cut);
                if (cut < bytes.length) {
                    assertThat(d.poll()).as("%s cut at %d", f.type(), cut).isNull();
                }
                d.feed(bytes, cut, bytes.length - cut);
                assertThat(d.poll()).as("%s cut at %d", f.type(), cut).isEqualTo(f);
                assertThat(d.poll()).isNull();
                assertThat(d.atFrameBoundary()).isTrue();
            }
        }
    }

    @Test
    void everyFrameInEveryFragmentSize() throws Exception {
        for (Frame f : SampleFrames.all()) {
            byte[] bytes = FrameEncoder.encode(f);
            for (int size = 1; size <= bytes.length; size++) {
                assertThat(decodeAll(bytes, size)).as("%s in fragments of %d", f.type(), size).containsExactly(f);
            }
        }
    }

    @Test
    void aStreamOfAllFramesSplitAtEveryPointAndEveryFragmentSize() throws Exception {
        List<Frame> frames = SampleFrames.all();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (Frame f : frames) {
            stream.write(FrameEncoder.encode(f));
        }
        byte[] bytes = stream.toByteArray();
        for (int size = 1; size <= 64; size++) {
            assertThat(decodeAll(bytes, size)).containsExactlyElementsOf(frames);
        }
        for (int cut = 0; cut <= bytes.length; cut++) {
            FrameDecoder d = new FrameDecoder(MAX_PAYLOAD);
            d.feed(bytes, 0, cut);
            d.feed(bytes, cut, bytes.length - cut);
            List<Frame> out = new ArrayList<>();
            for (Frame f; (f = d.poll()) != null; ) {
                out.add(f);
            }
            assertThat(out).containsExactlyElementsOf(frames);
        }
    }

    /**
     * With a DATA sink, payloads arrive piece by piece through the sink instead of as records, in
     * the order of the stream: rebuilding records from the pieces gives the frames encoded, for
     * every read size and with the reader feeding one message at a time ({@code feedSome}).
     */
    @Test
    void streamedDataPayloadsKeepTheFramesAndTheirOrderAtEveryReadSize() throws Exception {
        List<Frame> frames = new ArrayList<>(SampleFrames.all());
        frames.add(new Frame.Data(1000, new byte[3000]));
        frames.add(new Frame.Ack(4000, 4000, 9000, 0));
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (Frame f : frames) {
            stream.write(FrameEncoder.encode(f));
        }
        byte[] bytes = stream.toByteArray();
        for (int size : new int[] {1, 2, 7, 13, 64, 1000, bytes.length}) {
            List<Frame> out = new ArrayList<>();
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            long[] dataOffset = {-1};
            FrameDecoder d = new FrameDecoder(MAX_PAYLOAD);
            Runnable flush = () -> {
                if (dataOffset[0] >= 0) {
                    out.add(new Frame.Data(dataOffset[0], payload.toByteArray()));
                    payload.reset();
                    dataOffset[0] = -1;
                }
            };
            d.dataSink((offset, length, pos, src, off, len) -> {
                if (pos == 0) {
                    flush.run();
                    dataOffset[0] = offset;
                }
                assertThat(offset).isEqualTo(dataOffset[0]);
                assertThat(pos).isEqualTo(payload.size());
                assertThat(pos + len).isLessThanOrEqualTo(length);
                payload.write(src, off, len);
            });
            for (int at = 0; at < bytes.length; at += size) {
                int end = Math.min(bytes.length, at + size);
                for (int i = at; i < end; ) {
                    i += d.feedSome(bytes, i, end - i);
                    for (Frame f; (f = d.poll()) != null; ) {
                        flush.run();
                        out.add(f);
                    }
                }
            }
            flush.run();
            assertThat(out).as("read size %d", size).containsExactlyElementsOf(frames);
        }
    }

    @Test
    void dataFrameBuiltInPlaceEqualsEncodedRecord() {
        byte[] payload = {1, 2, 3, 4, 5};
        WireWriter w = new WireWriter(16);
        int at = FrameEncoder.dataInto(w, 77, payload.length);
        System.arraycopy(payload, 0, w.array(), at, payload.length);
        byte[] inPlace = w.toByteArray();
        assertThat(at).isEqualTo(FrameEncoder.DATA_HEADER_BYTES);
        assertThat(inPlace).isEqualTo(FrameEncoder.encode(new Frame.Data(77, payload)));
        assertThat(FrameEncoder.encodeData(77, payload, 0, payload.length)).isEqualTo(inPlace);
    }

    @Test
    void aLyingLengthIsRefusedBeforeAnythingIsBuffered() throws Exception {
        FrameDecoder d = new FrameDecoder(4096);
        byte[] header = {(byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> d.feed(header, 0, header.length))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("exceeds the limit");
        assertThat(d.bufferedBytes()).isZero();
        assertThatThrownBy(() -> d.feed(new byte[1], 0, 1))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("already failed");
    }

    @Test
    void aLengthWithinTheLimitButWrongForTheTypeIsRefusedAtTheTypeByte() throws Exception {
        // A PING is exactly 8 bytes of body: announcing 1000 fails before buffering them.
        byte[] bytes = {0, 0, 0x03, (byte) 0xe9, (byte) FrameType.PING.code};
        FrameDecoder d = new FrameDecoder(4096);
        assertThatThrownBy(() -> d.feed(bytes, 0, bytes.length))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("PING body of 1000 bytes");
        assertThat(d.bufferedBytes()).isZero();
    }

    @Test
    void aLargeAnnouncedFrameCostsOnlyWhatArrives() throws Exception {
        FrameDecoder d = new FrameDecoder(1 << 20);
        WireWriter w = new WireWriter(16);
        FrameEncoder.dataInto(w, 0, 1 << 20);
        byte[] head = w.toByteArray();
        d.feed(head, 0, FrameEncoder.DATA_HEADER_BYTES + 10);
        assertThat(d.poll()).isNull();
        assertThat(d.bufferedBytes()).isLessThanOrEqualTo(8 * 1024);
    }

    @Test
    void oversizedDataIsAProtocolErrorNamingTheLimit() {
        byte[] frame = FrameEncoder.encode(new Frame.Data(0, new byte[5000]));
        FrameDecoder d = new FrameDecoder(4096);
        assertThatThrownBy(() -> d.feed(frame, 0, frame.length))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("exceeds");
    }

    @Test
    void malformedBodiesAreProtocolErrors() {
        // Unknown type, zero length, trailing bytes, negative offset, bad UTF-8, unknown flags.
        List<byte[]> bad = List.of(
                new byte[] {0, 0, 0, 1, (byte) 0x7e},
                new byte[] {0, 0, 0, 0},
                withBody(FrameType.FIN, new byte[] {0, 0, 0, 0, 0, 0, 0, 1, 9}),
                withBody(FrameType.FIN, new byte[] {(byte) 0x80, 0, 0, 0, 0, 0, 0, 0}),
                withBody(FrameType.MIGRATE_REQUEST, new byte[] {0, 2, (byte) 0xc3, (byte) 0x28, 0, 0}),
                withBody(FrameType.ACK, concat(new byte[24], new byte[] {4})),
                withBody(FrameType.ACK, concat(longs(5, 6, 7), new byte[] {0})),
                withBody(FrameType.HELLO, new byte[] {1, 9, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
        for (byte[] b : bad) {
            FrameDecoder d = new FrameDecoder(4096);
            assertThatThrownBy(() -> d.feed(b, 0, b.length)).as(Arrays.toString(b))
                    .isInstanceOf(ProtocolException.class);
        }
    }

    @Test
    void aCertOfVersionOneCarriesNoPeersAndAnEmptyCarriedListIsAnError() throws Exception {
        byte[] certOnly = withBody(FrameType.CERT, new byte[] {0, 2, 7, 8});
        FrameDecoder d = new FrameDecoder(4096);
        d.feed(certOnly, 0, certOnly.length);
        assertThat(d.poll()).isEqualTo(new Frame.Cert(new byte[] {7, 8}));
        // The peer list, when present, names at least the holder; trailing bytes stay errors.
        for (byte[] bad : List.of(withBody(FrameType.CERT, new byte[] {0, 0, 0, 0}),
                withBody(FrameType.CERT, new byte[] {0, 0, 0}),
                concatCertWithTrailingByte())) {
            FrameDecoder e = new FrameDecoder(4096);
            assertThatThrownBy(() -> e.feed(bad, 0, bad.length)).as(Arrays.toString(bad))
                    .isInstanceOf(ProtocolException.class);
        }
    }

    private static byte[] concatCertWithTrailingByte() {
        byte[] good = FrameEncoder.encode(new Frame.Cert(new byte[0], List.of(new Frame.Peer("s1", "h", 1))));
        byte[] body = concat(Arrays.copyOfRange(good, 5, good.length), new byte[] {0});
        return withBody(FrameType.CERT, body);
    }

    @Test
    void versionsOneAndTwoAreSpokenAndOthersDecodeToTheirVersionOnly() throws Exception {
        for (int version : new int[] {Wire.VERSION, Wire.SERVICE_VERSION}) {
            byte[] key = version >= Wire.BOUND_CERTIFICATE_VERSION ? new byte[Wire.CLIENT_KEY_BYTES] : new byte[0];
            Frame.Hello sent = new Frame.Hello(version, Frame.HelloKind.NEW, 4096, 0, 10, 5, null, 0, new byte[0], -1,
                    key, null);
            byte[] frame = FrameEncoder.encode(sent);
            FrameDecoder d = new FrameDecoder(4096);
            d.feed(frame, 0, frame.length);
            assertThat(d.poll()).isEqualTo(sent);
        }
        byte[] frame = withBody(FrameType.HELLO, concat(new byte[] {(byte) (Wire.SERVICE_VERSION + 1)}, new byte[40]));
        FrameDecoder d = new FrameDecoder(4096);
        d.feed(frame, 0, frame.length);
        assertThat(((Frame.Hello) d.poll()).version()).isEqualTo(Wire.SERVICE_VERSION + 1);
    }

    @Test
    void aVersionFiveHelloCarriesAKeyOfExactlyItsSizeAndAMigrateOneAProof() throws Exception {
        byte[] newHello = FrameEncoder.encode(Frame.Hello.newConnection(4096, 10, 5, new byte[Wire.CLIENT_KEY_BYTES]));
        // The body ends with u16 key length | key: drop the key's last byte and say 31.
        byte[] shortKey = Arrays.copyOf(newHello, newHello.length - 1);
        shortKey[3] -= 1; // the frame length's low byte
        shortKey[shortKey.length - (Wire.CLIENT_KEY_BYTES - 1) - 1] = Wire.CLIENT_KEY_BYTES - 1; // the key length's low byte
        assertThatThrownBy(() -> decodeOne(shortKey)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("client key is 31 bytes, not 32");

        Frame.Hello unsigned = new Frame.Hello(Wire.BOUND_CERTIFICATE_VERSION, Frame.HelloKind.MIGRATE, 4096, 0, 10, 5,
                new org.mtcp.core.ConnectionId(1, 2), 3, new byte[] {1, 2, 3}, 0);
        assertThatThrownBy(() -> FrameEncoder.encode(unsigned)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("signed for its link");
        byte[] signed = FrameEncoder.encode(unsigned.withProof(
                new Frame.Proof(Frame.ProofBinding.TLS_EXPORTER, new byte[Wire.PROOF_SIGNATURE_BYTES])));
        byte[] unknownBinding = signed.clone();
        unknownBinding[signed.length - Wire.PROOF_SIGNATURE_BYTES - 3] = 7; // u8 binding, u16 length, signature
        assertThatThrownBy(() -> decodeOne(unknownBinding)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("unknown binding 7");
        // A version-4 HELLO{migrate} of the same fields has neither: the proof is a version-5 field.
        Frame.Hello v4 = new Frame.Hello(Wire.ACKED_IN_HELLO_VERSION, Frame.HelloKind.MIGRATE, 4096, 0, 10, 5,
                new org.mtcp.core.ConnectionId(1, 2), 3, new byte[] {1, 2, 3}, 0);
        assertThat(FrameEncoder.encode(v4)).hasSize(signed.length - 1 - 2 - Wire.PROOF_SIGNATURE_BYTES);
        assertThat(((Frame.Hello) decodeOne(FrameEncoder.encode(v4))).proof()).isNull();
    }

    private static Frame decodeOne(byte[] frame) throws ProtocolException {
        FrameDecoder d = new FrameDecoder(4096);
        d.feed(frame, 0, frame.length);
        return d.poll();
    }

    @Test
    void helloOfAnotherVersionDecodesToItsVersionOnly() throws Exception {
        byte[] frame = withBody(FrameType.HELLO, concat(new byte[] {9}, new byte[40]));
        FrameDecoder d = new FrameDecoder(4096);
        d.feed(frame, 0, frame.length);
        Frame.Hello h = (Frame.Hello) d.poll();
        assertThat(h.version()).isEqualTo(9);
    }

    @Test
    void readerReturnsFramesThenCleanEofOrFailsMidFrame() throws Exception {
        byte[] ping = FrameEncoder.encode(new Frame.Ping(5));
        FrameReader<Frame> r = new FrameReader<>(new ByteArrayInputStream(ping), new FrameDecoder(4096));
        assertThat(r.read()).isEqualTo(new Frame.Ping(5));
        assertThat(r.read()).isNull();

        byte[] cut = Arrays.copyOf(ping, ping.length - 1);
        FrameReader<Frame> r2 = new FrameReader<>(new ByteArrayInputStream(cut), new FrameDecoder(4096));
        assertThatThrownBy(r2::read).isInstanceOf(EOFException.class).hasMessageContaining("middle of a frame");
    }

    @Test
    void readerDeliversFramesDecodedBeforeAnError() throws Exception {
        byte[] stream = concat(FrameEncoder.encode(new Frame.Fin(3)), new byte[] {0, 0, 0, 1, 0x7e});
        FrameReader<Frame> r = new FrameReader<>(new ByteArrayInputStream(stream), new FrameDecoder(4096));
        assertThat(r.read()).isEqualTo(new Frame.Fin(3));
        assertThatThrownBy(r::read).isInstanceOf(ProtocolException.class).hasMessageContaining("unknown frame type");
    }

    static List<Frame> decodeAll(byte[] bytes, int fragment) throws ProtocolException {
        FrameDecoder d = new FrameDecoder(MAX_PAYLOAD);
        List<Frame> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += fragment) {
            d.feed(bytes, i, Math.min(fragment, bytes.length - i));
            for (Frame f; (f = d.poll()) != null; ) {
                out.add(f);
            }
        }
        assertThat(d.atFrameBoundary()).isTrue();
        return out;
    }

    static byte[] withBody(FrameType type, byte[] body) {
        return new WireWriter(body.length + 5).u32(body.length + 1).u8(type.code).raw(body).toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static byte[] longs(long... values) {
        WireWriter w = new WireWriter(8 * values.length);
        for (long v : values) {
            w.i64(v);
        }
        return w.toByteArray();
    }

    /**
     * A link's reader with a sink that reads payloads straight from the stream (as into the
     * inbound ring), over a stream of large and small DATA frames among control frames, delivered
     * in short reads of random sizes: every frame comes out, every payload byte exactly once, in
     * order, and most of them by the direct reads.
     */
    @Test
    void directPayloadReadsGiveEveryByteOnceInOrder() throws IOException {
        java.util.Random r = new java.util.Random(12);
        List<Frame> control = new ArrayList<>();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        long offset = 0;
        for (int i = 0; i < 60; i++) {
            byte[] payload = new byte[r.nextInt(3) == 0 ? r.nextInt(50) : r.nextInt(MAX_PAYLOAD) + 1];
            r.nextBytes(payload);
            stream.write(FrameEncoder.encode(new Frame.Data(offset, payload)));
            expected.write(payload);
            offset += payload.length;
            if (r.nextBoolean()) {
                Frame f = new Frame.Ping(i);
                control.add(f);
                stream.write(FrameEncoder.encode(f));
            }
        }
        byte[] bytes = stream.toByteArray();
        java.io.InputStream in = new java.io.InputStream() { // short reads, as a socket gives
            private int pos;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos == bytes.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, bytes.length - pos), 1 + r.nextInt(40_000));
                System.arraycopy(bytes, pos, b, off, n);
                pos += n;
                return n;
            }
        };
        byte[] received = new byte[expected.size()];
        long[] end = {0};
        long[] direct = {0};
        FrameDecoder d = new FrameDecoder(MAX_PAYLOAD);
        d.dataSink(new DataSink() {
            @Override
            public void data(long frameOffset, int frameLength, int pos, byte[] src, int off, int len) {
                assertThat(frameOffset + pos).isEqualTo(end[0]);
                assertThat(pos + len).isLessThanOrEqualTo(frameLength);
                System.arraycopy(src, off, received, (int) end[0], len);
                end[0] += len;
            }

            @Override
            public int readDirect(long frameOffset, int frameLength, int pos, int max, java.io.InputStream s)
                    throws IOException {
                assertThat(frameOffset + pos).isEqualTo(end[0]);
                assertThat(pos + max).isEqualTo(frameLength);
                int n = s.read(received, (int) end[0], max);
                if (n > 0) {
                    end[0] += n;
                    direct[0] += n;
                }
                return n;
            }
        });
        FrameReader<Frame> reader = new FrameReader<>(in, d);
        List<Frame> out = new ArrayList<>();
        for (Frame f; (f = reader.read()) != null; ) {
            out.add(f);
        }
        assertThat(out).containsExactlyElementsOf(control);
        assertThat(end[0]).isEqualTo(expected.size());
        assertThat(received).isEqualTo(expected.toByteArray());
        assertThat(direct[0]).isGreaterThan(expected.size() / 2L);
    }
}
