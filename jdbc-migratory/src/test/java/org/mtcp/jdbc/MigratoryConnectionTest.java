package org.mtcp.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mtcp.jdbc.FrontEnds.exists;
import static org.mtcp.jdbc.FrontEnds.insert;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.testkit.pg.TestRole;

/** The front-end API over a real PostgreSQL with the mtcp extension: the paper's cases through Java. */
@LivePostgres(extensions = "mtcp")
final class MigratoryConnectionTest {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static TestRole fe1Role;
    private static TestRole fe2Role;

    @BeforeAll
    static void roles(TestDatabase db) throws SQLException {
        fe1Role = db.createRole("fe1");
        fe2Role = db.createRole("fe2");
        FrontEnds.grant(db, fe1Role);
        FrontEnds.grant(db, fe2Role);
        FrontEnds.createAppData(db, fe1Role, fe2Role);
    }

    @Test
    void aTransactionCarriesItsIdAndRestoresAutoCommit(TestDatabase db) throws SQLException {
        try (MigratoryConnection fe1 = FrontEnds.connect(db, fe1Role)) {
            Session s = fe1.openSession();
            assertThat(fe1.gettxnID()).isEmpty();
            try (MtcpTransaction tx = fe1.begin(s)) {
                assertThat(fe1.getAutoCommit()).isFalse();
                assertThat(fe1.gettxnID()).contains(tx.id());
                assertThat(tx.session()).isEqualTo(s);
                assertThat(fe1.outcome(tx.id())).isEqualTo(Outcome.IN_PROGRESS);
                insert(tx.connection(), "api-commit");
                tx.commit();
                assertThat(tx.isOpen()).isFalse();
                assertThat(fe1.outcome(tx.id())).isEqualTo(Outcome.COMMITTED);
                assertThatThrownBy(tx::commit).isInstanceOf(SQLException.class).hasMessageContaining("has ended");
            }
            assertThat(fe1.getAutoCommit()).isTrue();
            MtcpTransaction dropped = fe1.begin(s);
            insert(fe1, "api-dropped");
            dropped.close();                 // not committed: rolled back
            assertThat(fe1.outcome(dropped.id())).isEqualTo(Outcome.ABORTED);
            assertThat(exists(db, "api-commit")).isTrue();
            assertThat(exists(db, "api-dropped")).isFalse();
        }
    }

    @Test
    void theOutcomesOfTheThreeCases(TestDatabase db) throws Exception {
        try (MigratoryConnection fe1 = FrontEnds.connect(db, fe1Role); MigratoryConnection fe2 = FrontEnds.connect(db, fe2Role)) {
            Session s = fe1.openSession();
            MtcpTransaction committed = fe1.begin(s);
            committed.commit();
            Takeover t1 = fe2.reconnect(s.id(), committed.id(), LONG);
            assertThat(t1.outcome()).isEqualTo(Outcome.COMMITTED);
            assertThat(t1.session()).isEqualTo(new Session(s.id(), 1));

            MtcpTransaction stalled = fe2.begin(t1.session());
            insert(stalled.connection(), "api-stalled");
            try (MigratoryConnection fe3 = FrontEnds.connect(db, fe1Role)) {
                Takeover t2 = fe3.reconnect(s.id(), stalled.id(), Duration.ofMillis(100));
                assertThat(t2.outcome()).isEqualTo(Outcome.ABORTED);
                assertThatThrownBy(stalled::commit).isInstanceOf(SQLException.class);
                assertThatThrownBy(() -> fe1.begin(t1.session()))
                        .as("the fencing error has its own type")
                        .isInstanceOf(FencedException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(MtcpSqlState.FENCED));
                assertThat(fe1.getAutoCommit()).as("a refused begin leaves the connection as it was").isTrue();

                MtcpTransaction later = fe3.begin(t2.session());
                insert(later.connection(), "api-later-1");
                later.commit();
                MtcpTransaction next = fe3.begin(t2.session());
                insert(next.connection(), "api-later-2");
                Takeover t3 = fe1.reconnect(s.id(), later.id(), LONG);
                assertThat(t3.outcome()).isEqualTo(Outcome.COMMITTED);
                assertThatThrownBy(next::commit).isInstanceOf(SQLException.class);
            }
            assertThat(exists(db, "api-stalled")).isFalse();
            assertThat(exists(db, "api-later-1")).isTrue();
            assertThat(exists(db, "api-later-2")).isFalse();
        }
    }

    @Test
    void badInputIsRefusedClearly(TestDatabase db) throws SQLException {
        try (MigratoryConnection fe = FrontEnds.connect(db, fe1Role)) {
            Session s = fe.openSession();
            Session other = fe.openSession();
            MtcpTransaction foreign = fe.begin(other);
            foreign.commit();
            assertThatThrownBy(() -> fe.reconnect(s.id(), foreign.id(), Duration.ofSeconds(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
            assertThatThrownBy(() -> fe.reconnect(s.id(), TxId.parse("12x"), Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
            assertSqlState(MtcpSqlState.NOT_THE_SESSIONS, () -> fe.reconnect(s.id(), foreign.id(), Duration.ZERO));
            assertSqlState(MtcpSqlState.UNKNOWN_SESSION, () -> fe.reconnect(Long.MAX_VALUE, foreign.id(), Duration.ZERO));
            assertSqlState(MtcpSqlState.UNKNOWN_SESSION, () -> fe.begin(new Session(Long.MAX_VALUE, 0)));
            TxId future = new TxId(foreign.id().timeline(), foreign.id().xid() + 10_000_000L);
            assertSqlState(MtcpSqlState.INVALID_TRANSACTION_ID, () -> fe.reconnect(s.id(), future, Duration.ZERO));
            assertSqlState(MtcpSqlState.INVALID_TRANSACTION_ID, () -> fe.outcome(future));
            assertSqlState(MtcpSqlState.INVALID_TRANSACTION_ID, () -> fe.outcome(new TxId(foreign.id().timeline(), 0)));
            TxId ofALaterTimeline = new TxId(foreign.id().timeline() + 1, foreign.id().xid());
            assertSqlState(MtcpSqlState.NOT_THE_PRIMARY, () -> fe.reconnect(s.id(), ofALaterTimeline, Duration.ZERO));
            assertSqlState(MtcpSqlState.NOT_THE_PRIMARY, () -> fe.outcome(ofALaterTimeline));
            assertThatThrownBy(() -> fe.reconnect(s.id(), null, Duration.ZERO)).isInstanceOf(NullPointerException.class);
            try (MtcpTransaction tx = fe.begin(s)) {
                assertSqlState(MtcpSqlState.ALREADY_REGISTERED, () -> fe.begin(s));
                assertThat(tx.isOpen()).isTrue();
            }
            fe.closeSession(other);
            assertSqlState(MtcpSqlState.SESSION_CLOSED, () -> fe.begin(other));
        }
    }

    @Test
    void reconnectRunsAsATransactionOfItsOwn(TestDatabase db) throws SQLException {
        try (MigratoryConnection fe1 = FrontEnds.connect(db, fe1Role); MigratoryConnection fe2 = FrontEnds.connect(db, fe2Role)) {
            Session s = fe1.openSession();
            MtcpTransaction tx = fe1.begin(s);
            tx.commit();
            fe2.setAutoCommit(false);
            insert(fe2, "inside-another");
            assertSqlState("25001", () -> fe2.reconnect(s.id(), tx.id(), Duration.ZERO));
            fe2.rollback();
            Takeover t = fe2.reconnect(s.id(), tx.id(), Duration.ZERO);      // no transaction open: fine
            assertThat(t.outcome()).isEqualTo(Outcome.COMMITTED);
            assertThat(fe2.takeOver(s.id())).isEqualTo(new Session(s.id(), t.session().epoch() + 1));
            assertThatThrownBy(() -> fe1.begin(t.session())).isInstanceOf(FencedException.class);
        }
    }

    @Test
    void aFailedTransactionCannotCommitSilently(TestDatabase db) throws SQLException {
        try (MigratoryConnection fe = FrontEnds.connect(db, fe1Role)) {
            Session s = fe.openSession();
            MtcpTransaction tx = fe.begin(s);
            insert(tx.connection(), "failed-1");
            try (Statement st = tx.connection().createStatement()) {
                assertThatThrownBy(() -> st.execute("SELECT 1 / 0")).isInstanceOf(SQLException.class);
            }
            assertSqlState("25P02", tx::commit);
            assertThat(fe.getAutoCommit()).isTrue();
            assertThat(fe.outcome(tx.id())).isEqualTo(Outcome.ABORTED);
            assertThat(exists(db, "failed-1")).isFalse();
        }
    }

    private static void assertSqlState(String state, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).as(e.getMessage()).isEqualTo(state));
    }
    @Test
    void beginWithASavepointAndCommitAfterTheLastWrite(TestDatabase db) throws SQLException {
        try (MigratoryConnection fe1 = FrontEnds.connect(db, fe1Role)) {
            Session s = fe1.openSession();
            MtcpTransaction tx = fe1.begin(s, "SAVEPOINT op");
            assertThat(fe1.gettxnID()).contains(tx.id());
            insert(tx.connection(), "api-rolled-back-to-savepoint");
            try (Statement st = fe1.createStatement()) {
                st.execute("ROLLBACK TO SAVEPOINT op");   // the savepoint exists: it ran with mtcp.begin
            }
            tx.commitAfter("INSERT INTO app_data (key) VALUES (?)", ps -> ps.setString(1, "api-last-write"));
            assertThat(tx.isOpen()).isFalse();
            assertThat(fe1.getAutoCommit()).isTrue();
            assertThat(fe1.outcome(tx.id())).isEqualTo(Outcome.COMMITTED);
            assertThat(exists(db, "api-last-write")).isTrue();
            assertThat(exists(db, "api-rolled-back-to-savepoint")).isFalse();

            MtcpTransaction failing = fe1.begin(s, "SAVEPOINT op");
            insert(failing.connection(), "api-not-committed");
            assertThatThrownBy(() -> failing.commitAfter("INSERT INTO app_data (key) VALUES (?)",
                    ps -> ps.setString(1, "api-last-write")))
                    .as("the last write fails (duplicate key): COMMIT does not run")
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
            assertThat(fe1.getAutoCommit()).isTrue();
            assertThat(fe1.outcome(failing.id())).isEqualTo(Outcome.ABORTED);
            assertThat(exists(db, "api-not-committed")).isFalse();
        }
    }

    @Test
    void aFencedBeginDoesNotRunWhatWasToFollowIt(TestDatabase db) throws SQLException {
        try (MigratoryConnection fe1 = FrontEnds.connect(db, fe1Role); MigratoryConnection fe2 = FrontEnds.connect(db, fe2Role)) {
            Session s = fe1.openSession();
            fe2.takeOver(s.id());
            assertThatThrownBy(() -> fe1.begin(s, "INSERT INTO app_data (key) VALUES ('api-after-fenced-begin')"))
                    .isInstanceOf(FencedException.class);
            assertThat(fe1.getAutoCommit()).isTrue();
            assertThat(exists(db, "api-after-fenced-begin")).isFalse();
        }
    }
}
