package org.mtcp.frontend.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.mtcp.frontend.FrontendConfig;
import org.mtcp.frontend.ops.Arguments;
import org.mtcp.frontend.ops.Operation;
import org.mtcp.frontend.ops.OperationFailure;
import org.mtcp.frontend.ops.Operations;
import org.mtcp.frontend.ops.Param;
import org.mtcp.frontend.ops.ParamType;
import org.mtcp.frontend.ops.TxContext;

/**
 * The test-only operations of pg-frontend's tests, on schema {@code fetest}: {@code add} (adds
 * to a key, creating it; refuses to go below zero), {@code fail} (always aborts), {@code flaky}
 * (an {@code add} that fails with a serialization failure a given number of times first) and
 * SQL-declared {@code get}. Every committed {@code add} also logs its execution in {@code fetest.runs}.
 */
public final class TestOps {

    private TestOps() {}

    public static final FrontendConfig.AppSchema SCHEMA = new FrontendConfig.AppSchema("fetest", "classpath:db/fetest");

    public static Operations operations() {
        try {
            return Operations.builder().register(new Add()).register(new Fail()).register(new Flaky())
                    .loadSqlResource("fetest-ops.sql").build();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** add(key, delta): value += delta; aborts with "negative" if it would go below zero. */
    public static final class Add implements Operation {
        @Override
        public String name() {
            return "add";
        }

        @Override
        public List<Param> params() {
            return List.of(Param.required("key", ParamType.STRING), Param.required("delta", ParamType.INTEGER));
        }

        @Override
        public JsonNode execute(TxContext tx, Arguments args) throws SQLException, OperationFailure {
            String key = args.getString("key");
            long delta = args.getLong("delta");
            long value;
            try (PreparedStatement st = tx.connection().prepareStatement(
                    "INSERT INTO fetest.kv (key, value) VALUES (?, ?) "
                            + "ON CONFLICT (key) DO UPDATE SET value = fetest.kv.value + EXCLUDED.value RETURNING value")) {
                st.setString(1, key);
                st.setLong(2, delta);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    value = rs.getLong(1);
                }
            }
            if (value < 0) {
                throw new OperationFailure("negative", key + " would become " + value);
            }
            try (PreparedStatement st = tx.connection().prepareStatement(
                    "INSERT INTO fetest.runs (batch, seq, key) VALUES (?, ?, ?)")) {
                st.setString(1, tx.batchId());
                st.setInt(2, tx.seq());
                st.setString(3, key);
                st.executeUpdate();
            }
            ObjectNode result = tx.json().objectNode();
            result.put("key", key);
            result.put("value", value);
            return result;
        }
    }

    /**
     * flaky(key, delta, failures): does what {@code add} does (writes included), then fails with
     * SQLSTATE 40001 (a serialization failure, which the engine retries) on its first
     * {@code failures} executions for {@code key} in this JVM; succeeds after that. Its writes of
     * a failed execution must vanish with it.
     */
    public static final class Flaky implements Operation {
        private static final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> CALLS =
                new java.util.concurrent.ConcurrentHashMap<>();
        private final Add add = new Add();

        @Override
        public String name() {
            return "flaky";
        }

        @Override
        public List<Param> params() {
            return List.of(Param.required("key", ParamType.STRING), Param.required("delta", ParamType.INTEGER),
                    Param.required("failures", ParamType.INTEGER));
        }

        /** How many times flaky ran for {@code key} (failed executions included). */
        public static int calls(String key) {
            var n = CALLS.get(key);
            return n == null ? 0 : n.get();
        }

        @Override
        public JsonNode execute(TxContext tx, Arguments args) throws SQLException, OperationFailure {
            JsonNode result = add.execute(tx, args);
            int call = CALLS.computeIfAbsent(args.getString("key"), k -> new java.util.concurrent.atomic.AtomicInteger())
                    .incrementAndGet();
            if (call <= args.getLong("failures")) {
                throw new SQLException("could not serialize access (test: failure " + call + ")", "40001");
            }
            return result;
        }
    }

    /** fail(): always aborts with code "refused". */
    public static final class Fail implements Operation {
        @Override
        public String name() {
            return "fail";
        }

        @Override
        public List<Param> params() {
            return List.of(Param.optional("reason", ParamType.STRING));
        }

        @Override
        public JsonNode execute(TxContext tx, Arguments args) throws OperationFailure {
            throw new OperationFailure("refused", args.has("reason") ? args.getString("reason") : "refused");
        }
    }

    /**
     * Every committed {@code add} of {@code batch} (the committed lines of its response) ran exactly
     * once, by its log in {@code fetest.runs}, and no other ran; returns the committed seqs.
     */
    public static java.util.Set<Integer> assertCommittedAddsRanOnce(javax.sql.DataSource db, String batch,
            List<JsonNode> lines) throws SQLException {
        java.util.Set<Integer> committed = new java.util.HashSet<>();
        for (JsonNode l : lines) {
            if (l.get("outcome").asText().equals("committed")) {
                committed.add(l.get("seq").asInt());
            }
        }
        List<Integer> runs = new java.util.ArrayList<>();
        try (java.sql.Connection c = db.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT seq FROM fetest.runs WHERE batch = ? ORDER BY seq")) {
            st.setString(1, batch);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    runs.add(rs.getInt(1));
                }
            }
        }
        org.assertj.core.api.Assertions.assertThat(runs).as("executions of committed transactions").doesNotHaveDuplicates();
        org.assertj.core.api.Assertions.assertThat(new java.util.HashSet<>(runs)).isEqualTo(committed);
        return committed;
    }
}
