package org.mtcp.bench.jmh;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.ProtocolException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The service protocol's codec on its hot path: DATA frames encoded from a buffer slice (what the
 * senders do for every frame), the same through a {@link Frame.Data} record, and decoded from a
 * byte stream that holds {@value #FRAMES} frames back to back, fed in 16 KiB reads as
 * {@code FrameReader} does. Time per frame. ACK frames: {@link AckCodecBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class FrameCodecBenchmark {

    static final int FRAMES = 64;
    private static final int READ = 16 * 1024;

    @Param({"64", "1024", "16384"})
    int payload;

    private byte[] source;
    private Frame.Data record;
    private byte[] stream;
    private final byte[] sink = new byte[1 << 20];
    private long offset;

    @Setup
    public void setup() {
        source = new byte[payload];
        new Random(1).nextBytes(source);
        record = new Frame.Data(1L << 33, source);
        byte[] one = FrameEncoder.encodeData(0, source, 0, payload);
        stream = new byte[one.length * FRAMES];
        for (int i = 0; i < FRAMES; i++) {
            byte[] f = FrameEncoder.encodeData((long) i * payload, source, 0, payload);
            System.arraycopy(f, 0, stream, i * one.length, one.length);
        }
    }

    @Benchmark
    public byte[] encodeDataSlice() {
        offset += payload;
        return FrameEncoder.encodeData(offset, source, 0, payload);
    }

    @Benchmark
    public byte[] encodeDataRecord() {
        return FrameEncoder.encode(record);
    }

    /**
     * Not the project's code: the floor a DATA decoder could reach, reading each frame's 13-byte
     * header and copying its payload once, straight into the receive buffer (what
     * {@code decodeData} does with one body array growing from 4 KiB, a second copy of the payload
     * out of it, and then the receive buffer's own copy).
     */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long decodeDataFloor() {
        long sum = 0;
        int at = 0;
        while (at < stream.length) {
            int length = ((stream[at] & 0xFF) << 24) | ((stream[at + 1] & 0xFF) << 16) | ((stream[at + 2] & 0xFF) << 8)
                    | (stream[at + 3] & 0xFF);
            long offset = 0;
            for (int i = 0; i < 8; i++) {
                offset = (offset << 8) | (stream[at + 5 + i] & 0xFF);
            }
            int n = length - 9;
            System.arraycopy(stream, at + FrameEncoder.DATA_HEADER_BYTES, sink, (int) (offset % (sink.length - n)), n);
            sum += offset;
            at += 4 + length;
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void decodeData(Blackhole bh) throws ProtocolException {
        FrameDecoder d = new FrameDecoder(1 << 20);
        for (int at = 0; at < stream.length; at += READ) {
            d.feed(stream, at, Math.min(READ, stream.length - at));
            Frame f;
            while ((f = d.poll()) != null) {
                bh.consume(f);
            }
        }
    }
}
