package org.mtcp.frontend.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The framer's own contracts on top of the codec's exact reading (every split point and
 * fragmentation: mtcp-http's HttpMessageReaderTest): one request per call and nothing of the
 * next, a deterministic 100-continue, and pass-through of what it cannot frame.
 */
class RequestFramerTest {

    static final String NEXT = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void forwardsOneRequestAtATime() throws IOException {
        for (String request : List.of("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
                "POST /v1/batches HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n{\"a\":12345}",
                "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nT: x\r\n\r\n")) {
            ByteArrayInputStream in = new ByteArrayInputStream((request + NEXT).getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            RequestFramer framer = new RequestFramer(in, out::write);
            assertThat(framer.forwardOne()).isTrue();
            assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(request);
            assertThat(in.available()).as("nothing of the next request read").isEqualTo(NEXT.length());
            assertThat(framer.lastHead()).isNotNull();
            out.reset();
            assertThat(framer.forwardOne()).isTrue();
            assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(NEXT);
            assertThat(framer.lastHasBody()).isFalse();
            assertThat(framer.forwardOne()).as("end of stream between requests").isFalse();
        }
    }

    @Test
    void answers100ContinueItselfAndHidesTheExpectation() throws IOException {
        for (String request : List.of(
                "POST /x HTTP/1.1\r\nHost: a\r\nexpect:  100-Continue \r\nContent-Length: 4\r\n\r\nbody",
                "POST /x HTTP/1.1\r\nexpect:  100-Continue \r\nHost: a\r\nContent-Length: 4\r\n\r\nbody")) {
            ByteArrayInputStream in = new ByteArrayInputStream((request + NEXT).getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream interim = new ByteArrayOutputStream();
            RequestFramer framer = new RequestFramer(in, out::write, interim::write);
            assertThat(framer.forwardOne()).isTrue();
            assertThat(interim.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            assertThat(out.toString(StandardCharsets.ISO_8859_1))
                    .isEqualTo(request.replace("expect:  100-Continue \r\n", ""));
            assertThat(in.available()).isEqualTo(NEXT.length());
        }
        // no body, or HTTP/1.0: left alone
        for (String other : List.of("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
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
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nxyz",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc",
                "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")) {                   // no Host
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
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc".getBytes(StandardCharsets.ISO_8859_1)), out::write);
        org.assertj.core.api.Assertions.assertThatThrownBy(framer::forwardOne).isInstanceOf(java.io.EOFException.class);
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).endsWith("abc");
    }
}
