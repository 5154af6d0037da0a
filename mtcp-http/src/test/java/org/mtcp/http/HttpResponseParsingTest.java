package org.mtcp.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The codec on responses: heads and bodies at every split point, every framing, clear errors. */
class HttpResponseParsingTest {

    private static final int MAX_HEAD = 64 * 1024;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A parsed response: head, decoded body, and how many bytes of the input belonged to it. */
    private record Parsed(HttpResponseHead head, String body, int consumed) {}

    /** Parses one response from {@code input} fed in the pieces {@code [0, a), [a, b), [b, end)}. */
    private static Parsed parse(byte[] input, int a, int b, boolean headRequest) throws Exception {
        HttpMessageParser parser = HttpMessageParser.forResponses(MAX_HEAD);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        parser.setBodySink(body::write);
        int consumed = 0;
        for (int end : new int[] {a, b, input.length}) {
            while (!parser.isComplete()) {
                boolean headBefore = parser.isHeadComplete();
                int n = parser.feed(input, consumed, end - consumed);
                consumed += n;
                if (!headBefore && parser.isHeadComplete() && headRequest) {
                    parser.expectNoBody();
                }
                if (n == 0 && headBefore == parser.isHeadComplete() && !parser.isComplete()) {
                    break;                           // needs the next piece
                }
            }
        }
        if (!parser.isComplete()) {
            parser.endOfInput();
        }
        assertThat(parser.isComplete()).isTrue();
        return new Parsed(parser.response(), body.toString(StandardCharsets.ISO_8859_1), consumed);
    }

    private static Parsed parse(String response) throws Exception {
        byte[] b = bytes(response);
        return parse(b, b.length, b.length, false);
    }

    @Test
    void parsesAResponseAtEverySplitPoint() throws Exception {
        byte[] input = bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhelloNEXT");
        for (int cut = 0; cut <= input.length; cut++) {
            Parsed p = parse(input, cut, cut, false);
            assertThat(p.consumed()).as("cut at %d", cut).isEqualTo(input.length - 4);
            assertThat(p.head().status()).isEqualTo(200);
            assertThat(p.head().reason()).isEqualTo("OK");
            assertThat(p.head().header("content-length")).contains("5");
            assertThat(p.body()).isEqualTo("hello");
        }
    }

    @Test
    void aResponseToHeadHasNoBodyWhateverItsLength() throws Exception {
        byte[] input = bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 404 Not Found\r\n");
        for (int cut = 0; cut <= input.length; cut++) {
            Parsed p = parse(input, cut, cut, true);
            assertThat(p.consumed()).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n".length());
            assertThat(p.body()).isEmpty();
        }
    }

    @Test
    void recognisesFramings() throws Exception {
        assertThat(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n").body())
                .isEqualTo("abc");
        assertThat(parse("HTTP/1.0 200 OK\r\n\r\nuntil the end").body()).isEqualTo("until the end");
        assertThat(parse("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc").consumed())
                .isEqualTo("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n".length());
        assertThat(parse("HTTP/1.1 304 Not Modified\r\n\r\nabc").body()).isEmpty();
        assertThat(parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n").head().isInterim()).isTrue();
        assertThat(parse("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n").head().reason()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n",
        "HTTX/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "HTTP/2.0 200 OK\r\n\r\n"})
    void rejectsMalformedResponses(String response) {
        assertThatThrownBy(() -> parse(response)).isInstanceOf(HttpParseException.class);
    }

    @Test
    void decodesChunkedBodiesWithExtensionsAndTrailersAtEveryPairOfSplitPoints() throws Exception {
        String head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        byte[] input = bytes(head + "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT");
        for (int a = 0; a <= input.length; a++) {
            for (int b = a; b <= input.length; b++) {
                Parsed p = parse(input, a, b, false);
                assertThat(p.consumed()).isEqualTo(input.length - 4);
                assertThat(p.body()).isEqualTo("hello 0123456789");
            }
        }
    }

    @Test
    void acceptsBareLfHeadsButNotBareLfChunkLines() throws Exception {
        assertThat(parse("HTTP/1.1 200 OK\nContent-Length: 3\n\nabc").body()).isEqualTo("abc");
        // Jetty holds chunk lines to RFC 9112's CRLF
        assertThatThrownBy(() -> parse("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n"))
                .isInstanceOf(HttpParseException.class).hasMessageContaining("LF");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x\r\n", "\r\n\r\n", "5\r\nhelloX", "5\rX", "fffffffffffffffff\r\n", "0\r\n\rX"})
    void rejectsMalformedChunks(String chunks) {
        assertThatThrownBy(() -> parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks))
                .isInstanceOf(HttpParseException.class);
    }

    @Test
    void anEarlyEndOfStreamIsAnError() {
        for (String truncated : new String[] {"HTTP/1.1 200 OK\r\nContent-Le",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"}) {
            assertThatThrownBy(() -> parse(truncated)).as(truncated)
                    .isInstanceOf(HttpParseException.class).hasMessageContaining("end of stream");
        }
    }
}
