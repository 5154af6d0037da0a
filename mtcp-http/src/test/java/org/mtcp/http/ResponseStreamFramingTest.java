package org.mtcp.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The proxy's view of where HTTP responses end: every split point, every fragment size, bytes unchanged. */
class ResponseStreamFramingTest {

    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
            + "Transfer-Encoding: chunked\r\nBatch-Id: b1\r\n\r\n"
            + "1b\r\n{\"seq\":1,\"frontend\":\"fe1\"}\n\r\n"
            + "1b\r\n{\"seq\":2,\"frontend\":\"fe2\"}\n\r\n"
            + "0\r\n\r\n";
    private static final String SIZED = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello";
    private static final String INTERIM_AND_EMPTY = "HTTP/1.1 100 Continue\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n";
    private static final String TRAILERS = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
            + "3;ext=1\r\nabc\r\n0\r\nX-Checksum: 1\r\n\r\n";
    private static final String EMPTY_BODY = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

    @Test
    void findsTheEndOfEveryResponseWhereverTheStreamIsSplit() {
        String stream = CHUNKED + SIZED + INTERIM_AND_EMPTY + TRAILERS + EMPTY_BODY;
        byte[] bytes = stream.getBytes(StandardCharsets.ISO_8859_1);
        List<Integer> expectedEnds = ends(bytes, 1);
        assertThat(expectedEnds).hasSize(5);
        assertThat(expectedEnds.get(0)).isEqualTo(CHUNKED.length());
        for (int split = 0; split <= bytes.length; split++) {
            ResponseStreamFraming f = new ResponseStreamFraming();
            int total = f.feed(bytes, 0, split) + f.feed(bytes, split, bytes.length - split);
            assertThat(total).as("split at %d", split).isEqualTo(5);
            assertThat(f.lost()).isFalse();
        }
        for (int step : new int[] {2, 3, 7, 64}) {
            assertThat(ends(bytes, step)).hasSize(5);
        }
    }

    @Test
    void aResponseWithoutLengthOrAnUpgradeOrGarbageLosesTheFraming() {
        for (String s : List.of("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
                "garbage\r\n",
                "\u0000\u0000\u0000\u0008R",                          // binary (PostgreSQL): at once, no line end
                "HTTP/2 200\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")) {
            ResponseStreamFraming f = new ResponseStreamFraming();
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            assertThat(f.feed(b, 0, b.length)).isZero();
            assertThat(f.lost()).as(s).isTrue();
        }
    }

    /** The offsets just after each response end, feeding {@code step} bytes at a time. */
    private static List<Integer> ends(byte[] bytes, int step) {
        ResponseStreamFraming f = new ResponseStreamFraming();
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += step) {
            int n = Math.min(step, bytes.length - i);
            int done = f.feed(bytes, i, n);
            for (int k = 0; k < done; k++) {
                ends.add(i + n);
            }
        }
        return ends;
    }
}
