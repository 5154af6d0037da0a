package org.mtcp.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.sql.DataSource;

/** The bank tests' batches of transfers, and the check that money is conserved. */
public final class BankTestData {

    private BankTestData() {}

    record Transfer(long from, long to, long amount) {}

    /**
     * {@code n} transfers between accounts 1..{@code accounts}: mostly affordable, some not
     * (insufficient funds aborts only that transfer), one in 25 to the same account (refused).
     */
    static List<Transfer> transfers(Random random, int n, int accounts) {
        List<Transfer> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long from = 1 + random.nextInt(accounts);
            long to = random.nextInt(25) == 0 ? from : 1 + random.nextInt(accounts);
            long amount = random.nextInt(10) == 0 ? 20_000 + random.nextInt(5000) : 1 + random.nextInt(3000);
            list.add(new Transfer(from, to, amount));
        }
        return list;
    }

    /** The POST body of batch {@code id}. */
    static String body(String id, List<Transfer> transfers) {
        StringBuilder b = new StringBuilder("{\"id\":\"").append(id).append("\",\"transactions\":[");
        for (int i = 0; i < transfers.size(); i++) {
            Transfer t = transfers.get(i);
            b.append(i == 0 ? "" : ",").append("{\"op\":\"transfer\",\"args\":{\"from\":").append(t.from())
                    .append(",\"to\":").append(t.to()).append(",\"amount\":").append(t.amount()).append("}}");
        }
        return b.append("]}").toString();
    }

    /** The total is unchanged, and every balance is its opening one plus the recorded transfers. */
    static void assertMoneyIsConserved(DataSource ds, int accounts, long initial) throws Exception {
        try (Connection c = ds.getConnection()) {
            assertMoneyIsConserved(c, accounts, initial);
        }
    }

    /** As {@link #assertMoneyIsConserved(DataSource, int, long)}, on {@code c}. */
    public static void assertMoneyIsConserved(Connection c, int accounts, long initial) throws Exception {
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT sum(balance) FROM bank.accounts")) {
                rs.next();
                assertThat(rs.getLong(1)).as("money is conserved").isEqualTo(accounts * initial);
            }
            try (ResultSet rs = st.executeQuery("""
                    SELECT count(*) FROM bank.accounts a
                     WHERE a.balance <> %d + coalesce((SELECT sum(amount) FROM bank.transfers WHERE to_account = a.id), 0)
                                           - coalesce((SELECT sum(amount) FROM bank.transfers WHERE from_account = a.id), 0)
                    """.formatted(initial))) {
                rs.next();
                assertThat(rs.getLong(1)).as("accounts whose balance disagrees with the transfers").isZero();
            }
        }
    }
}
