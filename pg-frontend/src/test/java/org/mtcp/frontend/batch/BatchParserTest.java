package org.mtcp.frontend.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.mtcp.frontend.testing.TestOps;

class BatchParserTest {

    final BatchParser parser = new BatchParser(TestOps.operations(), 3);

    BatchRequest parse(String json) throws BadRequestException {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void canonicalFormIgnoresKeyOrderAndWhitespace() throws Exception {
        BatchRequest a = parse("{\"id\":\"x\",\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"k\",\"delta\":1}}]}");
        BatchRequest b = parse(" { \"transactions\" : [ { \"args\" : { \"delta\" : 1 , \"key\" : \"k\" } , \"op\" : \"add\" } ] , \"id\" : \"x\" } ");
        assertThat(a.canonical()).isEqualTo(b.canonical());
        assertThat(a.id()).isEqualTo("x");
        assertThat(a.transactions().get(0).args().getLong("delta")).isEqualTo(1);
        BatchRequest stored = parser.parseStored("x", a.canonical());
        assertThat(stored.canonical()).isEqualTo(a.canonical());
    }

    @Test
    void refusals() {
        String[][] cases = {
                {"", "malformed_json"},
                {"{\"transactions\":[]} trailing", "malformed_json"},
                {"{\"transactions\":[],\"transactions\":[]}", "malformed_json"},
                {"null", "bad_request"},
                {"{\"id\":5,\"transactions\":[]}", "bad_request"},
                {"{\"id\":\"-x\",\"transactions\":[]}", "bad_request"},
                {"{\"transactions\":[5]}", "bad_request"},
                {"{\"transactions\":[{\"op\":1}]}", "bad_request"},
                {"{\"transactions\":[{\"op\":\"fail\",\"extra\":1}]}", "bad_request"},
                {"{\"transactions\":[{\"op\":\"fail\",\"args\":[]}]}", "invalid_arguments"},
                {"{\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"k\",\"delta\":99999999999999999999}}]}", "invalid_arguments"},
                {"{\"transactions\":[{\"op\":\"fail\"},{\"op\":\"fail\"},{\"op\":\"fail\"},{\"op\":\"fail\"}]}", "too_large"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> parse(c[0])).as(c[0]).isInstanceOf(BadRequestException.class)
                    .extracting(e -> ((BadRequestException) e).code()).isEqualTo(c[1]);
        }
    }

    @Test
    void anIntegerTooLargeForLongSaysSo() {
        assertThatThrownBy(() -> parse("{\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"k\",\"delta\":99999999999999999999}}]}"))
                .isInstanceOf(BadRequestException.class)
                .hasMessageContaining("must be an integer from -9223372036854775808 to 9223372036854775807, got 99999999999999999999");
        assertThatThrownBy(() -> parse("{\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"k\",\"delta\":\"5\"}}]}"))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("must be an integer, got string");
    }

    @Test
    void linesHaveAFixedShape() {
        assertThat(Lines.aborted(2, new org.mtcp.jdbc.TxId(3, 77), "negative", "k \"q\"", "fe1"))
                .isEqualTo("{\"seq\":2,\"outcome\":\"aborted\",\"tid\":\"3:77\",\"error\":{\"code\":\"negative\",\"message\":\"k \\\"q\\\"\"},\"frontend\":\"fe1\"}\n");
        assertThat(Lines.summary("b", "complete", 3, 2, 1))
                .isEqualTo("{\"summary\":true,\"batch\":\"b\",\"status\":\"complete\",\"transactions\":3,\"committed\":2,\"aborted\":1}\n");
    }
}
