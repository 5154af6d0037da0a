package org.mtcp.frontend.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Operations declared as parameterized SQL, one statement each. The file format:
 *
 * <pre>
 * -- operation: deposit
 * -- params: account bigint, amount bigint
 * -- returns: row
 * -- expect: 1
 * UPDATE bank.accounts SET balance = balance + :amount WHERE id = :account RETURNING id, balance;
 * </pre>
 *
 * <ul>
 *   <li>{@code operation} (required) starts a declaration; the SQL is every following non-header
 *       line up to the next {@code -- operation:}; a trailing semicolon is dropped.
 *   <li>{@code params}: comma-separated {@code name type}; types {@code bigint}, {@code numeric},
 *       {@code text}, {@code boolean}; append {@code ?} to the type for an optional one (SQL NULL
 *       when absent). {@code :name} in the SQL binds it ({@code ::} casts are left alone).
 *   <li>{@code returns}: {@code none} (default), {@code count} ({"count": n}), {@code row} (the
 *       first row as an object, null when none), {@code rows} (an array of objects).
 *   <li>{@code expect}: the exact number of rows returned (or updated, for statements that return
 *       none); anything else aborts the transaction with error code {@code expectation_failed}.
 * </ul>
 */
public final class SqlOperationFile {

    private static final Pattern HEADER = Pattern.compile("^--\\s*(operation|params|returns|expect)\\s*:\\s*(.*?)\\s*$");
    private static final Pattern PLACEHOLDER = Pattern.compile("(?<!:):([A-Za-z_][A-Za-z0-9_]*)");

    private SqlOperationFile() {}

    public enum Returns { NONE, COUNT, ROW, ROWS }

    public static List<Operation> parse(Reader reader, String source) throws IOException {
        List<Operation> ops = new ArrayList<>();
        BufferedReader in = new BufferedReader(reader);
        Draft draft = null;
        String line;
        int number = 0;
        while ((line = in.readLine()) != null) {
            number++;
            Matcher m = HEADER.matcher(line.trim());
            if (m.matches()) {
                String key = m.group(1);
                String value = m.group(2);
                try {
                    if (key.equals("operation")) {
                        if (draft != null) {
                            ops.add(draft.build(source));
                        }
                        draft = new Draft(value, number);
                    } else if (draft == null) {
                        throw new IllegalArgumentException("'" + key + "' before any '-- operation:'");
                    } else {
                        draft.header(key, value);
                    }
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(source + ":" + number + ": " + e.getMessage(), e);
                }
                continue;
            }
            if (draft == null) {
                if (!line.isBlank() && !line.trim().startsWith("--")) {
                    throw new IllegalArgumentException(source + ":" + number + ": SQL before any '-- operation:'");
                }
                continue;
            }
            draft.sql.append(line).append('\n');
        }
        if (draft != null) {
            ops.add(draft.build(source));
        }
        return ops;
    }

    private static final class Draft {
        final String name;
        final int line;
        final List<Param> params = new ArrayList<>();
        Returns returns = Returns.NONE;
        Integer expect;
        final StringBuilder sql = new StringBuilder();

        Draft(String name, int line) {
            this.name = name;
            this.line = line;
        }

        void header(String key, String value) {
            switch (key) {
                case "params" -> {
                    for (String part : value.split(",")) {
                        String p = part.trim();
                        if (p.isEmpty()) {
                            continue;
                        }
                        String[] words = p.split("\\s+");
                        if (words.length != 2) {
                            throw new IllegalArgumentException("parameter '" + p + "': expected 'name type'");
                        }
                        boolean optional = words[1].endsWith("?");
                        String type = optional ? words[1].substring(0, words[1].length() - 1) : words[1];
                        params.add(new Param(words[0], ParamType.parse(type), !optional));
                    }
                }
                case "returns" -> returns = Returns.valueOf(value.toUpperCase(Locale.ROOT));
                case "expect" -> expect = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown header " + key);
            }
        }

        Operation build(String source) {
            String text = sql.toString().strip();
            while (text.endsWith(";")) {
                text = text.substring(0, text.length() - 1).strip();
            }
            if (text.isEmpty()) {
                throw new IllegalArgumentException(source + ":" + line + ": operation '" + name + "' has no SQL");
            }
            List<String> order = new ArrayList<>();
            Matcher m = PLACEHOLDER.matcher(text);
            StringBuilder jdbc = new StringBuilder();
            while (m.find()) {
                String p = m.group(1);
                if (params.stream().noneMatch(x -> x.name().equals(p))) {
                    throw new IllegalArgumentException(source + ":" + line + ": operation '" + name
                            + "' uses :" + p + ", which is not among its params");
                }
                order.add(p);
                m.appendReplacement(jdbc, "?");
            }
            m.appendTail(jdbc);
            return new SqlOperation(name, List.copyOf(params), jdbc.toString(), List.copyOf(order), returns, expect);
        }
    }

    /** One declared SQL operation. */
    record SqlOperation(String name, List<Param> params, String sql, List<String> bindOrder, Returns returns,
            Integer expect) implements Operation {

        @Override
        public JsonNode execute(TxContext tx, Arguments args) throws SQLException, OperationFailure {
            try (PreparedStatement st = tx.connection().prepareStatement(sql)) {
                for (int i = 0; i < bindOrder.size(); i++) {
                    String p = bindOrder.get(i);
                    Param param = params.stream().filter(x -> x.name().equals(p)).findFirst().orElseThrow();
                    Object v = args.get(p);
                    if (v == null) {
                        st.setNull(i + 1, switch (param.type()) {
                            case INTEGER -> Types.BIGINT;
                            case NUMBER -> Types.NUMERIC;
                            case STRING -> Types.VARCHAR;
                            case BOOLEAN -> Types.BOOLEAN;
                        });
                    } else if (v instanceof BigDecimal d) {
                        st.setBigDecimal(i + 1, d);
                    } else {
                        st.setObject(i + 1, v);
                    }
                }
                boolean hasRows = st.execute();
                JsonNodeFactory f = JsonNodeFactory.instance;
                if (!hasRows) {
                    int count = st.getUpdateCount();
                    check(count);
                    return switch (returns) {
                        case NONE, ROW -> null;
                        case COUNT -> f.objectNode().put("count", count);
                        case ROWS -> f.arrayNode();
                    };
                }
                ArrayNode rows = f.arrayNode();
                try (ResultSet rs = st.getResultSet()) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        ObjectNode row = rows.addObject();
                        for (int c = 1; c <= md.getColumnCount(); c++) {
                            putColumn(row, md.getColumnLabel(c), rs.getObject(c));
                        }
                    }
                }
                check(rows.size());
                return switch (returns) {
                    case NONE -> null;
                    case COUNT -> f.objectNode().put("count", rows.size());
                    case ROW -> rows.isEmpty() ? null : rows.get(0);
                    case ROWS -> rows;
                };
            }
        }

        private void check(int count) throws OperationFailure {
            if (expect != null && count != expect) {
                throw new OperationFailure("expectation_failed",
                        "'" + name + "' expected " + expect + " row(s), got " + count);
            }
        }

        private static void putColumn(ObjectNode row, String name, Object v) {
            switch (v) {
                case null -> row.putNull(name);
                case Long l -> row.put(name, l);
                case Integer i -> row.put(name, i);
                case Short s -> row.put(name, s);
                case BigDecimal d -> row.put(name, d);
                case Double d -> row.put(name, d);
                case Float x -> row.put(name, x);
                case Boolean b -> row.put(name, b);
                default -> row.put(name, v.toString());
            }
        }
    }
}
