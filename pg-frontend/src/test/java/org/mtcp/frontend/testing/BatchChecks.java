package org.mtcp.frontend.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The exactly-once checks of a batch response against the database: every transaction's line
 * arrived exactly once and in order, then one summary; each line is byte-for-byte the outcome
 * recorded in {@code frontend.outcome} (so the reported outcomes match the database), and the
 * summary's counts match the records.
 */
public final class BatchChecks {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BatchChecks() {}

    /** Returns the parsed transaction lines (without the summary). */
    public static List<JsonNode> check(HttpExchange.Response r, DataSource db, String batchId, int transactions)
            throws Exception {
        return check(r.status(), r.lines(), db, batchId, transactions);
    }

    /** As above, for a response read by another client: its status and its lines (each ending with LF). */
    public static List<JsonNode> check(int status, List<String> responseLines, DataSource db, String batchId,
            int transactions) throws Exception {
        assertThat(status).as("status").isEqualTo(200);
        assertThat(responseLines).as("one line per transaction plus the summary").hasSize(transactions + 1);
        List<JsonNode> lines = new ArrayList<>();
        List<String> recorded = new ArrayList<>();
        try (Connection c = db.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT seq, line FROM frontend.outcome WHERE batch = ? ORDER BY seq")) {
            st.setString(1, batchId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    assertThat(rs.getInt(1)).isEqualTo(recorded.size() + 1);
                    recorded.add(rs.getString(2));
                }
            }
        }
        assertThat(recorded).as("one outcome record per transaction").hasSize(transactions);
        int committed = 0;
        for (int i = 0; i < transactions; i++) {
            String line = responseLines.get(i);
            JsonNode node = JSON.readTree(line);
            assertThat(node.get("seq").asInt()).as("line %d in order", i + 1).isEqualTo(i + 1);
            assertThat(line).as("line %d is the recorded outcome", i + 1).isEqualTo(recorded.get(i));
            if (node.get("outcome").asText().equals("committed")) {
                committed++;
            }
            lines.add(node);
        }
        JsonNode summary = JSON.readTree(responseLines.get(transactions));
        assertThat(summary.get("summary").asBoolean()).isTrue();
        assertThat(summary.get("batch").asText()).isEqualTo(batchId);
        assertThat(summary.get("status").asText()).isEqualTo("complete");
        assertThat(summary.get("transactions").asInt()).isEqualTo(transactions);
        assertThat(summary.get("committed").asInt()).isEqualTo(committed);
        assertThat(summary.get("aborted").asInt()).isEqualTo(transactions - committed);
        return lines;
    }
}
