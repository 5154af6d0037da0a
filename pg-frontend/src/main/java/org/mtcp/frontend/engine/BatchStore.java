package org.mtcp.frontend.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.mtcp.jdbc.TxId;

/** The front-end's tables (schema {@code frontend}): batches and the outcome of each of their transactions. */
public final class BatchStore {

    private final DataSource ds;

    public BatchStore(DataSource ds) {
        this.ds = ds;
    }

    @FunctionalInterface
    interface SqlCall<T> {
        T call() throws SQLException;
    }

    /**
     * Runs {@code call}, again on a fresh connection when the pooled one turns out dead: a
     * takeover terminates the old holder's backend asynchronously, so a connection that just went
     * back to the pool can die under its next borrower. Three tries.
     */
    static <T> T retrying(SqlCall<T> call) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (SQLException e) {
                // the pool's own timeout means no connection could be made: trying again won't help
                if (attempt >= 3 || !TransactionRunner.isConnectionLost(e) || e instanceof java.sql.SQLTransientConnectionException) {
                    throw e;
                }
            }
        }
    }

    public DataSource dataSource() {
        return ds;
    }

    public record StoredBatch(String id, long session, String request, String hash, int transactions,
            String createdBy, String createdAt) {}

    public record Outcome(int seq, String tid, String outcome, String frontend, String line) {}

    public record Counts(int committed, int aborted) {}

    static String hash(String canonical) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Optional<StoredBatch> find(String id) throws SQLException {
        return retrying(() -> {
            try (Connection c = ds.getConnection()) {
                return find(c, id);
            }
        });
    }

    static Optional<StoredBatch> find(Connection c, String id) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT id, session, request, request_hash, transactions, created_by, created_at::text FROM frontend.batch WHERE id = ?")) {
            st.setString(1, id);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new StoredBatch(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        rs.getInt(5), rs.getString(6), rs.getString(7)));
            }
        }
    }

    /**
     * The batch of an id, created or found by {@link #createOrFind}: its session, the hash of its
     * request, and whether this call created it (then its session's epoch is 0 and it has no
     * outcome yet).
     */
    record Created(long session, String hash, boolean created) {}

    private static final String UNIQUE_VIOLATION = "23505";

    /**
     * Creates the batch with a new session, owned by {@code claimant}, or finds the existing one:
     * one statement, one database transaction ({@code frontend.create_batch}, migration V3).
     */
    Created createOrFind(String id, String canonical, int transactions, String frontend, BatchOwnership.Claimant claimant)
            throws SQLException {
        String hash = hash(canonical);
        return retrying(() -> {
            try {
                return createOrFindOnce(id, canonical, hash, transactions, frontend, claimant);
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                // another request created the same id at the same time: its batch is there now
                return createOrFindOnce(id, canonical, hash, transactions, frontend, claimant);
            }
        });
    }

    private Created createOrFindOnce(String id, String canonical, String hash, int transactions, String frontend,
            BatchOwnership.Claimant claimant) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement st = c.prepareStatement(
                        "SELECT created, batch_session, batch_request_hash FROM frontend.create_batch(?, ?, ?, ?, ?, ?, ?, ?)")) {
            st.setString(1, id);
            st.setString(2, canonical);
            st.setString(3, hash);
            st.setInt(4, transactions);
            st.setString(5, frontend);
            st.setString(6, claimant.cid());
            st.setLong(7, claimant.request());
            st.setLong(8, claimant.epoch());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new Created(rs.getLong(2), rs.getString(3), rs.getBoolean(1));
            }
        }
    }

    /**
     * Takes the batch over for {@code claimant}, if {@link BatchOwnership#decide} lets it: under
     * the batch row's lock, reads the owner and whether the claimant's request held the batch
     * before; refuses with {@link SupersededException} (touching nothing, fencing nobody) when the
     * same request is held at a later epoch or a newer request owns the batch; otherwise records
     * the claimant as the owner and calls {@code mtcp.reconnect} in the same transaction, so
     * takeovers of one batch are serialized and the decision holds until the fence is in place.
     */
    MtcpSql.Reconnected takeOver(String id, long session, TxId tid, BatchOwnership.Claimant claimant, java.time.Duration timeout)
            throws SQLException, SupersededException {
        if (ds instanceof DatabaseGate gate) {
            gate.sawTransactionOf(tid);   // an old primary behind tid's timeline must not answer for it
        }
        SupersededException[] superseded = new SupersededException[1];
        MtcpSql.Reconnected r = retrying(() -> {
            try {
                return takeOverOnce(id, session, tid, claimant, timeout);
            } catch (SupersededException e) {
                superseded[0] = e;
                return null;
            }
        });
        if (superseded[0] != null) {
            throw superseded[0];
        }
        return r;
    }

    private MtcpSql.Reconnected takeOverOnce(String id, long session, TxId tid, BatchOwnership.Claimant claimant,
            java.time.Duration timeout) throws SQLException, SupersededException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                BatchOwnership.Verdict verdict;
                String owner;
                try (PreparedStatement st = c.prepareStatement(
                        "SELECT b.owner_cid, b.owner_request, b.owner_epoch, EXISTS (SELECT 1 FROM frontend.batch_claim k "
                                + "WHERE k.batch = b.id AND k.cid = ? AND k.request = ?) "
                                + "FROM frontend.batch b WHERE b.id = ? FOR NO KEY UPDATE OF b")) {
                    st.setString(1, claimant.cid());
                    st.setLong(2, claimant.request());
                    st.setString(3, id);
                    try (ResultSet rs = st.executeQuery()) {
                        if (!rs.next()) {
                            throw new SQLException("no batch " + id);
                        }
                        verdict = BatchOwnership.decide(rs.getString(1), rs.getLong(2), rs.getLong(3), claimant, rs.getBoolean(4));
                        owner = new BatchOwnership.Claimant(rs.getString(1), rs.getLong(2), rs.getLong(3)).toString();
                    }
                }
                if (verdict != BatchOwnership.Verdict.TAKE_OVER) {
                    c.rollback();
                    throw new SupersededException(verdict, "batch " + id + " is held by " + owner + "; " + claimant
                            + (verdict == BatchOwnership.Verdict.NEWER_REQUEST ? " was superseded by that newer request"
                                    : " is an older holder of the same request"));
                }
                try (PreparedStatement st = c.prepareStatement(
                        "UPDATE frontend.batch SET owner_cid = ?, owner_request = ?, owner_epoch = ? WHERE id = ?")) {
                    st.setString(1, claimant.cid());
                    st.setLong(2, claimant.request());
                    st.setLong(3, claimant.epoch());
                    st.setString(4, id);
                    st.executeUpdate();
                }
                recordClaim(c, id, claimant);
                MtcpSql.Reconnected r = MtcpSql.reconnect(c, session, tid, timeout);
                c.commit();
                return r;
            } catch (SQLException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // broken connection: nothing to undo
                }
                if (MtcpSql.NOT_THE_PRIMARY.equals(e.getSQLState()) && ds instanceof DatabaseGate gate) {
                    gate.notThePrimary(c, tid);   // an old primary behind tid's timeline, or a standby: not again
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // broken connection
                }
            }
        }
    }

    private static void recordClaim(Connection c, String id, BatchOwnership.Claimant claimant) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "INSERT INTO frontend.batch_claim (batch, cid, request) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            st.setString(1, id);
            st.setString(2, claimant.cid());
            st.setLong(3, claimant.request());
            st.executeUpdate();
        }
    }

    /** A recorded outcome's line, and whether the transaction's operation committed. */
    record Recorded(String line, boolean committed) {}

    /** The lines recorded for seq >= from, by seq. */
    TreeMap<Integer, Recorded> lines(String batch, int from) throws SQLException {
        return retrying(() -> {
            TreeMap<Integer, Recorded> lines = new TreeMap<>();
            try (Connection c = ds.getConnection();
                    PreparedStatement st = c.prepareStatement(
                            "SELECT seq, line, outcome = 'committed' FROM frontend.outcome WHERE batch = ? AND seq >= ? ORDER BY seq")) {
                st.setString(1, batch);
                st.setInt(2, from);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        lines.put(rs.getInt(1), new Recorded(rs.getString(2), rs.getBoolean(3)));
                    }
                }
            }
            return lines;
        });
    }

    /**
     * The line recorded for {@code seq} if transaction {@code tid} recorded it (i.e. committed it):
     * its xid and its timeline, so that a transaction of the new timeline that reused the number
     * of a lost one (a failover) is not taken for it; a bare tid (mtcp 0.1) matches by xid.
     */
    Optional<String> line(String batch, int seq, TxId tid) throws SQLException {
        return retrying(() -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement st = c.prepareStatement(
                            "SELECT line FROM frontend.outcome WHERE batch = ? AND seq = ? AND tid = ?::text::xid8"
                                    + " AND (?::bigint IS NULL OR tid_timeline = ?::bigint)")) {
                st.setString(1, batch);
                st.setInt(2, seq);
                st.setString(3, Long.toUnsignedString(tid.xid()));
                Long timeline = tid.isQualified() ? tid.timeline() : null;
                st.setObject(4, timeline, java.sql.Types.BIGINT);
                st.setObject(5, timeline, java.sql.Types.BIGINT);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    Counts counts(String batch) throws SQLException {
        return retrying(() -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement st = c.prepareStatement(
                            "SELECT count(*) FILTER (WHERE outcome = 'committed'), count(*) FILTER (WHERE outcome = 'aborted') "
                                    + "FROM frontend.outcome WHERE batch = ?")) {
                st.setString(1, batch);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return new Counts(rs.getInt(1), rs.getInt(2));
                }
            }
        });
    }

    public List<Outcome> outcomes(String batch) throws SQLException {
        return retrying(() -> {
            List<Outcome> list = new ArrayList<>();
            try (Connection c = ds.getConnection();
                    PreparedStatement st = c.prepareStatement(
                            "SELECT seq, coalesce(tid_timeline || ':', '') || tid, outcome, frontend, line FROM frontend.outcome"
                                    + " WHERE batch = ? ORDER BY seq")) {
                st.setString(1, batch);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        list.add(new Outcome(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
                    }
                }
            }
            return list;
        });
    }

    /**
     * The outcome record's INSERT, for {@link org.mtcp.jdbc.MtcpTransaction#commitAfter}: it
     * goes to the server with the COMMIT, in one round trip.
     */
    static final String RECORD =
            "INSERT INTO frontend.outcome (batch, seq, tid, tid_timeline, outcome, frontend, line)"
                    + " VALUES (?, ?, ?::text::xid8, ?, ?, ?, ?)";

    static void bindRecord(PreparedStatement st, String batch, int seq, TxId tid, String outcome, String frontend, String line)
            throws SQLException {
        st.setString(1, batch);
        st.setInt(2, seq);
        st.setString(3, Long.toUnsignedString(tid.xid()));
        st.setObject(4, tid.isQualified() ? tid.timeline() : null, java.sql.Types.BIGINT);
        st.setString(5, outcome);
        st.setString(6, frontend);
        st.setString(7, line);
    }
}
