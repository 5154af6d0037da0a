package org.mtcp.core.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random and mutated input must fail cleanly: a {@link ProtocolException} or valid frames,
 * never another exception type, a hang (the decoder is push-based: it cannot wait) or a buffer
 * beyond the frame limit.
 */
class FrameFuzzTest {

    private static final int LIMIT = 64 * 1024;

    @Property(tries = 2000)
    void randomBytesFailCleanly(@ForAll @Size(max = 4096) byte[] input, @ForAll @IntRange(min = 1, max = 512) int fragment) {
        feedExpectingOnlyProtocolErrors(input, fragment);
    }

    @Property(tries = 2000)
    void mutatedValidFramesFailCleanly(@ForAll("encodedFrame") byte[] frame, @ForAll @IntRange(min = 0, max = 10_000) int position,
            @ForAll byte value, @ForAll @IntRange(min = 1, max = 64) int fragment, @ForAll boolean truncate) {
        byte[] mutated = frame.clone();
        int p = position % mutated.length;
        mutated[p] = value;
        if (truncate) {
            mutated = java.util.Arrays.copyOf(mutated, p);
        }
        feedExpectingOnlyProtocolErrors(mutated, fragment);
    }

    @Property(tries = 1000)
    void validHeaderWithRandomBody(@ForAll("type") FrameType type, @ForAll @Size(max = 600) byte[] body,
            @ForAll @IntRange(min = 1, max = 64) int fragment) {
        feedExpectingOnlyProtocolErrors(FrameCodecTest.withBody(type, body), fragment);
    }

    @Provide
    Arbitrary<byte[]> encodedFrame() {
        List<Frame> frames = SampleFrames.all();
        return Arbitraries.of(frames).map(FrameEncoder::encode);
    }

    @Provide
    Arbitrary<FrameType> type() {
        return Arbitraries.of(FrameType.class);
    }

    private static void feedExpectingOnlyProtocolErrors(byte[] input, int fragment) {
        FrameDecoder d = new FrameDecoder(LIMIT);
        try {
            for (int i = 0; i < input.length; i += fragment) {
                d.feed(input, i, Math.min(fragment, input.length - i));
                assertThat(d.bufferedBytes()).isLessThanOrEqualTo(LIMIT + 16);
                while (d.poll() != null) {
                    // valid frames may come out of random input: fine
                }
            }
        } catch (ProtocolException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
