package org.mtcp.bench.frontend;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.mtcp.frontend.ops.Arguments;
import org.mtcp.frontend.ops.Operation;
import org.mtcp.frontend.ops.OperationFailure;
import org.mtcp.frontend.ops.Param;
import org.mtcp.frontend.ops.ParamType;
import org.mtcp.frontend.ops.TxContext;

/**
 * The benchmark's transaction: move {@code amount} from account {@code from} to account
 * {@code to} (schema {@code bench}), refusing to overdraw. The same SQL runs through the
 * front-end (as an {@link Operation}) and directly over JDBC ({@link #apply}). Rows are locked in
 * ascending id order, so concurrent transfers never deadlock.
 */
public final class Transfer implements Operation {

    static final String SCHEMA_SQL = """
            CREATE SCHEMA IF NOT EXISTS bench;
            DROP TABLE IF EXISTS bench.accounts;
            CREATE TABLE bench.accounts (id integer PRIMARY KEY, balance bigint NOT NULL);
            INSERT INTO bench.accounts SELECT g, 1000000000 FROM generate_series(1, %d) g;
            """;

    @Override
    public String name() {
        return "transfer";
    }

    @Override
    public List<Param> params() {
        return List.of(Param.required("from", ParamType.INTEGER), Param.required("to", ParamType.INTEGER),
                Param.required("amount", ParamType.INTEGER));
    }

    @Override
    public JsonNode execute(TxContext tx, Arguments args) throws SQLException, OperationFailure {
        if (!apply(tx.connection(), args.getLong("from"), args.getLong("to"), args.getLong("amount"))) {
            throw new OperationFailure("insufficient_funds", "account " + args.getLong("from") + " would be overdrawn");
        }
        return null;
    }

    /** The transfer's statements on {@code c} (inside the caller's transaction); false: refused. */
    static boolean apply(Connection c, long from, long to, long amount) throws SQLException {
        if (from < to) {
            return debit(c, from, amount) && credit(c, to, amount);
        }
        credit(c, to, amount);
        return debit(c, from, amount);
    }

    private static boolean debit(Connection c, long id, long amount) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "UPDATE bench.accounts SET balance = balance - ? WHERE id = ? AND balance >= ?")) {
            st.setLong(1, amount);
            st.setLong(2, id);
            st.setLong(3, amount);
            return st.executeUpdate() == 1;
        }
    }

    private static boolean credit(Connection c, long id, long amount) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("UPDATE bench.accounts SET balance = balance + ? WHERE id = ?")) {
            st.setLong(1, amount);
            st.setLong(2, id);
            return st.executeUpdate() == 1;
        }
    }
}
