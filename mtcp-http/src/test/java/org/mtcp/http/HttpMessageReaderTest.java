package org.mtcp.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The exact reader reads one message and never a byte of the next one, whatever the read sizes
 * the stream returns (every split point, and random fragmentations).
 */
class HttpMessageReaderTest {

    /** An input stream that returns at most the next of {@code sizes} bytes per read and counts what was read. */
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
            "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody");

    static final String NEXT = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void readsExactlyOneRequestAtEveryFragmentation() throws Exception {
        Random random = new Random(1);
        for (String request : REQUESTS) {
            byte[] bytes = (request + NEXT).getBytes(StandardCharsets.ISO_8859_1);
            List<int[]> fragmentations = new ArrayList<>();
            for (int split = 1; split <= request.length(); split++) {
                fragmentations.add(new int[] {split, bytes.length});
            }
            for (int i = 0; i < 50; i++) {
                fragmentations.add(new int[] {1 + random.nextInt(7), 1 + random.nextInt(3), 1 + random.nextInt(40)});
            }
            for (int[] sizes : fragmentations) {
                Fragmented in = new Fragmented(bytes, sizes);
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                HttpMessageReader reader = new HttpMessageReader(in, HttpMessageParser.forRequests(8192),
                        HttpMessageReader.ReadMode.EXACT, raw::write);
                assertThat(reader.readHead()).isTrue();
                reader.readBody();
                assertThat(raw.toString(StandardCharsets.ISO_8859_1)).isEqualTo(request);
                assertThat(in.position).as("nothing of the next request read").isEqualTo(request.length());
                raw.reset();
                assertThat(reader.readHead()).isTrue();
                assertThat(reader.parser().request().target()).isEqualTo("/next");
                reader.readBody();
                assertThat(raw.toString(StandardCharsets.ISO_8859_1)).isEqualTo(NEXT);
                assertThat(reader.readHead()).as("end of stream between requests").isFalse();
            }
        }
    }

    @Test
    void theBufferedReaderKeepsWhatFollowsForTheNextResponse() throws Exception {
        String responses = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
                + "HTTP/1.0 500 Oops\r\n\r\nuntil the end";
        HttpMessageParser parser = HttpMessageParser.forResponses(8192);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        parser.setBodySink(body::write);
        HttpMessageReader reader = new HttpMessageReader(
                new ByteArrayInputStream(responses.getBytes(StandardCharsets.ISO_8859_1)), parser,
                HttpMessageReader.ReadMode.BUFFERED, null);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpResponseHead head = reader.readResponse();
            seen.add(head.status() + " " + body.toString(StandardCharsets.ISO_8859_1));
            body.reset();
        }
        assertThat(seen).containsExactly("200 ok", "200 hi", "500 until the end");
    }

    @Test
    void endOfStreamInsideAMessageIsAnError() throws Exception {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        HttpMessageReader reader = new HttpMessageReader(new ByteArrayInputStream(
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc".getBytes(StandardCharsets.ISO_8859_1)),
                HttpMessageParser.forRequests(8192), HttpMessageReader.ReadMode.EXACT, raw::write);
        assertThat(reader.readHead()).isTrue();
        assertThatThrownBy(reader::readBody).isInstanceOf(EOFException.class);
        assertThat(raw.toString(StandardCharsets.ISO_8859_1)).endsWith("abc");
    }

    /**
     * The read buffer grows under a large body and shrinks between messages (it holds 512 bytes
     * while a connection is idle): across those changes every byte reaches the body and the raw
     * copy once, in order, whatever the read sizes.
     */
    @Test
    void bodiesLargerThanTheBufferBetweenSmallMessagesArriveWholeWhateverTheReadSizes() throws Exception {
        byte[] big = new byte[100_000];
        new Random(7).nextBytes(big);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {
            stream.writeBytes(("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: " + big.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            stream.writeBytes(big);
            stream.writeBytes("GET /small HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        byte[] all = stream.toByteArray();
        for (int[] sizes : List.of(new int[] {1 << 20}, new int[] {100, 70_000, 3, 20_000}, new int[] {511, 512, 513})) {
            HttpMessageParser parser = HttpMessageParser.forRequests(8192);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            parser.setBodySink(body::write);
            HttpMessageReader reader = new HttpMessageReader(new Fragmented(all, sizes), parser,
                    HttpMessageReader.ReadMode.EXACT, raw::write);
            for (int i = 0; i < 6; i++) {
                assertThat(reader.readHead()).isTrue();
                reader.readBody();
                assertThat(parser.request().target()).isEqualTo(i % 2 == 0 ? "/big" : "/small");
                assertThat(body.toByteArray()).isEqualTo(i % 2 == 0 ? big : new byte[0]);
                body.reset();
            }
            assertThat(reader.readHead()).isFalse();
            assertThat(raw.toByteArray()).isEqualTo(all);
        }
    }
}
