package org.mtcp.cli.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpResponseParserTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void parsesAResponseHeadAtEverySplitPoint() throws Exception {
        byte[] input = bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
        int headLength = input.length - 5;
        for (int cut = 0; cut <= input.length; cut++) {
            HttpResponseParser parser = new HttpResponseParser();
            int consumed = parser.feed(input, 0, cut);
            consumed += parser.feed(input, consumed, input.length - consumed);
            assertThat(parser.isComplete()).isTrue();
            assertThat(consumed).isEqualTo(headLength);
            HttpResponseHead head = parser.response();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.reason()).isEqualTo("OK");
            assertThat(head.contentLength()).isEqualTo(5);
            assertThat(head.framing("GET")).isEqualTo(HttpResponseHead.Framing.CONTENT_LENGTH);
            assertThat(head.framing("HEAD")).isEqualTo(HttpResponseHead.Framing.NONE);
        }
    }

    @Test
    void recognisesFramings() throws Exception {
        assertThat(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").framing("GET"))
                .isEqualTo(HttpResponseHead.Framing.CHUNKED);
        assertThat(head("HTTP/1.0 200 OK\r\n\r\n").framing("GET")).isEqualTo(HttpResponseHead.Framing.UNTIL_CLOSE);
        assertThat(head("HTTP/1.1 204 No Content\r\n\r\n").framing("GET")).isEqualTo(HttpResponseHead.Framing.NONE);
        assertThat(head("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n").reason()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n",
        "HTTX/1.1 200 OK\r\n\r\n", "\r\n", "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n"})
    void rejectsMalformedResponses(String response) {
        assertThatThrownBy(() -> head(response)).isInstanceOf(HttpParseException.class);
    }

    @Test
    void rejectsConflictingContentLengths() throws Exception {
        HttpResponseHead h = head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n");
        assertThatThrownBy(h::contentLength).isInstanceOf(HttpParseException.class);
    }

    private static HttpResponseHead head(String s) throws HttpParseException {
        HttpResponseParser parser = new HttpResponseParser();
        byte[] b = bytes(s);
        parser.feed(b, 0, b.length);
        assertThat(parser.isComplete()).isTrue();
        return parser.response();
    }

    @Test
    void writesDeterministicHeads() {
        byte[] a = HttpResponses.head(200, List.of(new HttpField("Content-Type", "application/octet-stream")),
                1234, HttpVersion.HTTP_1_1, true);
        assertThat(new String(a, StandardCharsets.ISO_8859_1)).isEqualTo(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1234\r\n\r\n");
        assertThat(new String(HttpResponses.head(200, List.of(), 0, HttpVersion.HTTP_1_0, true),
                StandardCharsets.ISO_8859_1)).contains("Connection: keep-alive\r\n");
        byte[] error = HttpResponses.error(404, "no such file", HttpVersion.HTTP_1_1, false, false, List.of());
        assertThat(new String(error, StandardCharsets.ISO_8859_1)).isEqualTo(
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 28\r\n"
                        + "Connection: close\r\n\r\n404 Not Found: no such file\n");
        assertThat(HttpResponses.error(404, "x", HttpVersion.HTTP_1_1, true, true, List.of()))
                .isEqualTo(HttpResponses.head(404, List.of(new HttpField("Content-Type", "text/plain; charset=utf-8")),
                        17, HttpVersion.HTTP_1_1, true));
    }

    @Test
    void decodesChunkedBodiesAtEverySplitPoint() throws Exception {
        byte[] input = bytes("5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT");
        for (int a = 0; a <= input.length; a++) {
            for (int b = a; b <= input.length; b++) {
                ChunkedDecoder decoder = new ChunkedDecoder();
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                int consumed = decoder.decode(input, 0, a, body::write);
                consumed += decoder.decode(input, consumed, b - consumed, body::write);
                consumed += decoder.decode(input, consumed, input.length - consumed, body::write);
                assertThat(decoder.isDone()).isTrue();
                assertThat(consumed).isEqualTo(input.length - 4);
                assertThat(body.toString(StandardCharsets.ISO_8859_1)).isEqualTo("hello 0123456789");
            }
        }
    }

    @Test
    void decodesBareLfChunkedBodies() throws Exception {
        byte[] input = bytes("3\nabc\n0\n\n");
        ChunkedDecoder decoder = new ChunkedDecoder();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        assertThat(decoder.decode(input, 0, input.length, body::write)).isEqualTo(input.length);
        assertThat(decoder.isDone()).isTrue();
        assertThat(body.toString(StandardCharsets.ISO_8859_1)).isEqualTo("abc");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x\r\n", "\r\n", "5\r\nhelloX", "5\rX", "fffffffffffffffff\r\n", "0\r\n\rX"})
    void rejectsMalformedChunks(String input) {
        byte[] b = bytes(input);
        assertThatThrownBy(() -> new ChunkedDecoder().decode(b, 0, b.length, (x, o, l) -> { }))
                .isInstanceOf(HttpParseException.class);
    }
}
