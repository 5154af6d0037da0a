package org.mtcp.frontend.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The framer forwards exactly one request and never reads a byte of the next one, whatever the
 * read sizes the transport returns (every split point, and random fragmentations).
 */
class RequestFramerTest {

    /** An input stream that returns at most {@code max} bytes per read and counts what was read. */
    static final class Fragmented extends InputStream {
        final byte[] data;
        final int[] sizes;
        int position;
        int call;

        Fragmented(byte[] data, int[] sizes) {
            this.data = data;
            this.sizes = sizes;
        }

        @Override
        public int read() {
            if (position >= data.length) {
                return -1;
            }
            call++;
            return data[position++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= data.length) {
                return -1;
            }
            int n = Math.min(len, Math.min(sizes[call++ % sizes.length], data.length - position));
            System.arraycopy(data, position, b, off, n);
            position += n;
            return n;
        }
    }

    static final List<String> REQUESTS = List.of(
            "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
            "POST /v1/batches HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n{\"a\":12345}",
            "POST /v1/batches HTTP/1.1\r\nHost: a\r\ncontent-length:  3 \r\n\r\nabc",
            "\r\nGET / HTTP/1.1\nHost: a\n\n",
            "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nTrailer: x\r\n\r\n",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody");

    static final String NEXT = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void forwardsExactlyOneRequestAtEveryFragmentation() throws IOException {
        Random random = new Random(1);
        for (String request : REQUESTS) {
            byte[] bytes = (request + NEXT).getBytes(StandardCharsets.ISO_8859_1);
            List<int[]> fragmentations = new java.util.ArrayList<>();
            for (int split = 1; split <= request.length(); split++) {
                fragmentations.add(new int[] {split, bytes.length});
            }
            for (int i = 0; i < 50; i++) {
                fragmentations.add(new int[] {1 + random.nextInt(7), 1 + random.nextInt(3), 1 + random.nextInt(40)});
            }
            for (int[] sizes : fragmentations) {
                Fragmented in = new Fragmented(bytes, sizes);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                RequestFramer framer = new RequestFramer(in, out::write);
                assertThat(framer.forwardOne()).isTrue();
                assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(request);
                assertThat(in.position).as("nothing of the next request read").isEqualTo(request.length());
                out.reset();
                assertThat(framer.forwardOne()).isTrue();
                assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(NEXT);
                assertThat(framer.forwardOne()).as("end of stream between requests").isFalse();
            }
        }
    }

    @Test
    void answers100ContinueItselfAndHidesTheExpectation() throws IOException {
        String request = "POST /x HTTP/1.1\r\nHost: a\r\nexpect:  100-Continue \r\nContent-Length: 4\r\n\r\nbody";
        for (int split = 1; split <= request.length(); split++) {
            Fragmented in = new Fragmented((request + NEXT).getBytes(StandardCharsets.ISO_8859_1), new int[] {split, 1000});
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream interim = new ByteArrayOutputStream();
            RequestFramer framer = new RequestFramer(in, out::write, interim::write);
            assertThat(framer.forwardOne()).isTrue();
            assertThat(interim.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            assertThat(out.toString(StandardCharsets.ISO_8859_1))
                    .isEqualTo("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody");
            assertThat(in.position).isEqualTo(request.length());
        }
        // no body, or HTTP/1.0: left alone
        for (String other : List.of("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
                "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream interim = new ByteArrayOutputStream();
            new RequestFramer(new ByteArrayInputStream(other.getBytes(StandardCharsets.ISO_8859_1)), out::write, interim::write)
                    .forwardOne();
            assertThat(interim.size()).isZero();
            assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(other);
        }
    }

    @Test
    void passesThroughWhatItCannotFrame() throws IOException {
        for (String garbage : List.of(
                "NOT HTTP AT ALL\r\n\r\nmore",
                "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxyz",
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc")) {
            byte[] bytes = garbage.getBytes(StandardCharsets.ISO_8859_1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            RequestFramer framer = new RequestFramer(new ByteArrayInputStream(bytes), out::write);
            framer.forwardOne();
            assertThat(framer.passThrough()).as(garbage).isTrue();
            assertThat(out.toByteArray()).isEqualTo(bytes);
        }
    }

    @Test
    void endOfStreamInsideARequestIsAnError() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RequestFramer framer = new RequestFramer(new ByteArrayInputStream(
                "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc".getBytes(StandardCharsets.ISO_8859_1)), out::write);
        org.assertj.core.api.Assertions.assertThatThrownBy(framer::forwardOne).isInstanceOf(java.io.EOFException.class);
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).endsWith("abc");
    }
}
