package org.mtcp.webapp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import org.mtcp.frontend.FrontendConfig;
import org.mtcp.frontend.ops.Arguments;
import org.mtcp.frontend.ops.Operation;
import org.mtcp.frontend.ops.OperationFailure;
import org.mtcp.frontend.ops.OperationProvider;
import org.mtcp.frontend.ops.Operations;
import org.mtcp.frontend.ops.Param;
import org.mtcp.frontend.ops.ParamType;
import org.mtcp.frontend.ops.TxContext;

/**
 * The bank's transaction programs, in Java: {@code open_account}, {@code deposit},
 * {@code transfer}, {@code balance}. Found by {@code ./mtcp frontend} on its class path (the
 * service file), with the {@code bank} schema they need.
 */
public final class BankOperations implements OperationProvider {

    public static final FrontendConfig.AppSchema SCHEMA = new FrontendConfig.AppSchema("bank", "classpath:db/bank");

    @Override
    public Collection<Operation> operations() {
        return List.of(new OpenAccount(), new Deposit(), new Transfer(), new Balance());
    }

    @Override
    public FrontendConfig.AppSchema schema() {
        return SCHEMA;
    }

    /** All of them, as a registry. */
    public static Operations registry() {
        return Operations.builder().registerAll(new BankOperations().operations()).build();
    }

    static ObjectNode account(TxContext tx, long id, long balance) {
        return tx.json().objectNode().put("account", id).put("balance", balance);
    }

    /** open_account(account, balance): a new account; fails with the SQLSTATE 23505 if it exists. */
    static final class OpenAccount implements Operation {
        @Override
        public String name() {
            return "open_account";
        }

        @Override
        public List<Param> params() {
            return List.of(Param.required("account", ParamType.INTEGER), Param.required("balance", ParamType.INTEGER));
        }

        @Override
        public JsonNode execute(TxContext tx, Arguments args) throws SQLException, OperationFailure {
            long id = args.getLong("account");
            long balance = args.getLong("balance");
            if (balance < 0) {
                throw new OperationFailure("invalid_amount", "an opening balance can't be negative");
            }
            try (PreparedStatement st = tx.connection().prepareStatement(
                    "INSERT INTO bank.accounts (id, balance) VALUES (?, ?)")) {
                st.setLong(1, id);
                st.setLong(2, balance);
                st.executeUpdate();
            }
            return account(tx, id, balance);
        }
    }

    /** deposit(account, amount): adds a positive amount. */
    static final class Deposit implements Operation {
        @Override
        public String name() {
            return "deposit";
        }

        @Override
        public List<Param> params() {
            return List.of(Param.required("account", ParamType.INTEGER), Param.required("amount", ParamType.INTEGER));
        }

        @Override
        public JsonNode execute(TxContext tx, Arguments args) throws SQLException, OperationFailure {
            long id = args.getLong("account");
            long amount = args.getLong("amount");
            if (amount <= 0) {
                throw new OperationFailure("invalid_amount", "a deposit must be positive");
            }
            try (PreparedStatement st = tx.connection().prepareStatement(
                    "UPDATE bank.accounts SET balance = balance + ? WHERE id = ? RETURNING balance")) {
                st.setLong(1, amount);
                st.setLong(2, id);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new OperationFailure("unknown_account", "no account " + id);
                    }
                    return account(tx, id, rs.getLong(1));
                }
            }
        }
    }

    /**
     * transfer(from, to, amount): moves money between two accounts and records the transfer;
     * aborts with {@code insufficient_funds}, {@code unknown_account}, {@code same_account} or
     * {@code invalid_amount}. Locks both accounts in id order, so concurrent transfers never deadlock.
     */
    static final class Transfer implements Operation {
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
            long from = args.getLong("from");
            long to = args.getLong("to");
            long amount = args.getLong("amount");
            Balances after = transfer(tx.connection(), tx.batchId(), tx.seq(), from, to, amount);
            return tx.json().objectNode().put("from", from).put("to", to).put("amount", amount)
                    .put("fromBalance", after.from()).put("toBalance", after.to());
        }
    }

    /** The two accounts' balances after a transfer. */
    public record Balances(long from, long to) {}

    /**
     * The transfer's statements on {@code c}, inside the caller's transaction (the one place they
     * are written: the {@code transfer} operation runs them through the front-end, and
     * {@code ./mtcp bench frontend} runs them over plain JDBC to price the front-end). Records the
     * transfer with the batch position {@code (batch, seq)} that made it.
     *
     * @throws OperationFailure the transfer is refused; the caller rolls back
     */
    public static Balances transfer(Connection c, String batch, int seq, long from, long to, long amount)
            throws SQLException, OperationFailure {
        if (amount <= 0) {
            throw new OperationFailure("invalid_amount", "a transfer must be positive");
        }
        if (from == to) {
            throw new OperationFailure("same_account", "a transfer needs two accounts");
        }
        long fromBalance = -1;
        long toBalance = -1;
        try (PreparedStatement st = c.prepareStatement(
                "SELECT id, balance FROM bank.accounts WHERE id IN (?, ?) ORDER BY id FOR UPDATE")) {
            st.setLong(1, from);
            st.setLong(2, to);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (rs.getLong(1) == from) {
                        fromBalance = rs.getLong(2);
                    } else {
                        toBalance = rs.getLong(2);
                    }
                }
            }
        }
        if (fromBalance < 0 || toBalance < 0) {
            throw new OperationFailure("unknown_account", "no account " + (fromBalance < 0 ? from : to));
        }
        if (fromBalance < amount) {
            throw new OperationFailure("insufficient_funds",
                    "account " + from + " has " + fromBalance + ", the transfer needs " + amount);
        }
        try (PreparedStatement st = c.prepareStatement(
                "UPDATE bank.accounts SET balance = balance + CASE WHEN id = ? THEN ? ELSE ? END WHERE id IN (?, ?)")) {
            st.setLong(1, from);
            st.setLong(2, -amount);
            st.setLong(3, amount);
            st.setLong(4, from);
            st.setLong(5, to);
            st.executeUpdate();
        }
        try (PreparedStatement st = c.prepareStatement(
                "INSERT INTO bank.transfers (batch, seq, from_account, to_account, amount) VALUES (?, ?, ?, ?, ?)")) {
            st.setString(1, batch);
            st.setInt(2, seq);
            st.setLong(3, from);
            st.setLong(4, to);
            st.setLong(5, amount);
            st.executeUpdate();
        }
        return new Balances(fromBalance - amount, toBalance + amount);
    }

    /** balance(account): reads it. */
    static final class Balance implements Operation {
        @Override
        public String name() {
            return "balance";
        }

        @Override
        public List<Param> params() {
            return List.of(Param.required("account", ParamType.INTEGER));
        }

        @Override
        public JsonNode execute(TxContext tx, Arguments args) throws SQLException, OperationFailure {
            long id = args.getLong("account");
            try (PreparedStatement st = tx.connection().prepareStatement("SELECT balance FROM bank.accounts WHERE id = ?")) {
                st.setLong(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new OperationFailure("unknown_account", "no account " + id);
                    }
                    return account(tx, id, rs.getLong(1));
                }
            }
        }
    }
}
