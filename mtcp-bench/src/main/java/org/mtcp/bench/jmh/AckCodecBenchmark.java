package org.mtcp.bench.jmh;

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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ACK, the most frequent small frame (the client acknowledges as data arrives): encoding one,
 * and decoding one with a fresh decoder (as a new link would; the decoder's own cost included).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class AckCodecBenchmark {

    private byte[] ack;
    private long offset;
    private FrameDecoder decoder;

    @Setup
    public void setup() {
        ack = FrameEncoder.encode(new Frame.Ack(123_456_789L, 123_456_789L, 123_456_789L + (8 << 20), 0));
        decoder = new FrameDecoder(1 << 20);
    }

    @Benchmark
    public byte[] encodeAck() {
        offset += 1024;
        return FrameEncoder.encode(new Frame.Ack(offset, offset, offset + (8 << 20), 0));
    }

    @Benchmark
    public Frame decodeAck() throws ProtocolException {
        decoder.feed(ack, 0, ack.length);
        return decoder.poll();
    }
}
