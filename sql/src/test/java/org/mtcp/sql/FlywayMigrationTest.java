package org.mtcp.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.api.Test;
import org.mtcp.pg.ext.MtcpCalls;
import org.mtcp.pg.ext.MtcpCalls.Session;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.testkit.pg.TestRole;

/** What is particular to the Flyway way of installing mtcp. */
@LivePostgres
final class FlywayMigrationTest {

    private static final Path EXTENSION_DIR = Path.of(System.getProperty("user.dir")).resolve("../pg-backend-ext").normalize();

    private static byte[] resource(String path) throws IOException {
        try (InputStream in = FlywayMigrationTest.class.getClassLoader().getResourceAsStream(path)) {
            assertThat(in).as(path + " on the class path").isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void everyExtensionScriptIsAMigrationByteForByte() throws IOException {
        List<Path> scripts;
        try (Stream<Path> files = Files.list(EXTENSION_DIR)) {
            scripts = files.filter(p -> p.getFileName().toString().matches("mtcp--.*\\.sql")).sorted().toList();
        }
        assertThat(scripts).isNotEmpty();
        for (Path script : scripts) {
            String name = script.getFileName().toString();
            String[] versions = name.substring("mtcp--".length(), name.length() - ".sql".length()).split("--");
            String migration = versions.length == 1
                    ? "db/mtcp/V" + versions[0] + "__mtcp.sql"
                    : "db/mtcp/V" + versions[1] + "__mtcp_update.sql";
            assertThat(resource(migration)).as(migration + " = " + name).isEqualTo(Files.readAllBytes(script));
        }
    }

    @Test
    void migratingTwiceChangesNothingAndTheVersionIsTheExtensions(TestDatabase db) throws SQLException {
        TestRole owner = ownerWithSignalRight(db, "twice", true);
        assertThat(MtcpMigrations.migrate(db.dataSource(owner))).isEqualTo(2);
        assertThat(MtcpMigrations.migrate(db.dataSource(owner))).isZero();
        MigrationInfo current = MtcpMigrations.configure(db.dataSource(owner)).load().info().current();
        assertThat(current.getVersion().getVersion()).isEqualTo("0.2");
        try (Connection c = db.connect(owner)) {
            assertThat(MtcpCalls.queryString(c, "SELECT mtcp.api_version()")).isEqualTo("0.2");
            assertThat(MtcpCalls.queryString(c, "SELECT count(*) FROM pg_extension WHERE extname = 'mtcp'")).isEqualTo("0");
            assertThat(MtcpCalls.queryString(c, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'mtcp'"))
                    .isEqualTo(owner.name());
        }
        db.execute("DROP SCHEMA mtcp CASCADE");
    }

    /**
     * A database migrated to 0.1 takes V0.2 later: outcomes logged by 0.1 answer their bare xid8s,
     * and the front-end roles granted under 0.1 may call the new functions.
     */
    @Test
    void migratingFrom01KeepsOutcomesAndGrantsTheNewApiToFrontEndRoles(TestDatabase db) throws Exception {
        TestRole owner = ownerWithSignalRight(db, "later", true);
        assertThat(MtcpMigrations.configure(db.dataSource(owner)).target("0.1").load().migrate().migrationsExecuted).isEqualTo(1);
        TestRole fe = db.createRole("later_fe");
        try (Connection o = db.connect(owner)) {
            MtcpCalls.queryString(o, "SELECT mtcp.grant_frontend('" + fe.name() + "')::text");
        }
        Session s;
        String committed01;
        try (Connection c = db.connect(fe)) {
            s = MtcpCalls.openSession(c);
            c.setAutoCommit(false);
            committed01 = MtcpCalls.queryString(c, "SELECT mtcp.begin(" + s.id() + ", " + s.epoch() + ")::text");
            c.commit();
        }
        assertThat(MtcpMigrations.migrate(db.dataSource(owner))).isEqualTo(1);
        try (Connection c = db.connect(fe)) {
            assertThat(MtcpCalls.queryString(c, "SELECT mtcp.api_version()")).isEqualTo("0.2");
            assertThat(MtcpCalls.outcome(c, committed01)).isEqualTo(MtcpCalls.COMMITTED);
            MtcpCalls.Takeover t = MtcpCalls.reconnect(c, s.id(), committed01, Duration.ZERO);
            assertThat(t.outcome()).isEqualTo(MtcpCalls.COMMITTED);
            c.setAutoCommit(false);
            String tid = MtcpCalls.begin(c, s.at(t.epoch()));
            c.commit();
            assertThat(MtcpCalls.outcome(c, tid)).isEqualTo(MtcpCalls.COMMITTED);
        }
        db.execute("DROP SCHEMA mtcp CASCADE");
    }

    /**
     * An owner that may not signal the front-end's backends cannot force an abort: the takeover
     * fails with MT007 and a hint, and changes nothing (the old front-end keeps the session).
     */
    @Test
    void withoutTheRightToSignalATakeoverFailsClearlyAndChangesNothing(TestDatabase db) throws Exception {
        TestRole owner = ownerWithSignalRight(db, "weak", false);
        MtcpMigrations.migrate(db.dataSource(owner));
        TestRole fe1Role = db.createRole("weak_fe1");
        TestRole fe2Role = db.createRole("weak_fe2");
        try (Connection o = db.connect(owner); PreparedStatement grant = o.prepareStatement("SELECT mtcp.grant_frontend(?)")) {
            for (TestRole r : List.of(fe1Role, fe2Role)) {
                grant.setString(1, r.name());
                grant.execute();
            }
        }
        try (Connection fe1 = db.connect(fe1Role); Connection fe2 = db.connect(fe2Role)) {
            Session s = MtcpCalls.openSession(fe1);
            fe1.setAutoCommit(false);
            String tid = MtcpCalls.begin(fe1, s);
            SQLException e = catchThrowableOfType(SQLException.class,
                    () -> MtcpCalls.reconnect(fe2, s.id(), tid, Duration.ofMillis(20)));
            assertThat((Throwable) e).isNotNull();
            assertThat(e.getSQLState()).isEqualTo("MT007");
            assertThat(e.getMessage()).contains("pg_signal_backend");
            fe1.commit();                   // the old front-end was not fenced: it still owns the session
            try (Connection admin = db.connect(); PreparedStatement ps = admin.prepareStatement("SELECT epoch FROM mtcp.session WHERE id = ?")) {
                ps.setLong(1, s.id());
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(s.epoch());
                }
            }
            assertThat(MtcpCalls.reconnect(fe2, s.id(), tid, Duration.ZERO).outcome()).isEqualTo(MtcpCalls.COMMITTED);
        }
        db.execute("DROP SCHEMA mtcp CASCADE");
    }

    private static TestRole ownerWithSignalRight(TestDatabase db, String name, boolean signal) throws SQLException {
        TestRole owner = db.createRole(name);
        db.execute("GRANT CREATE ON DATABASE " + TestDatabase.quoteIdentifier(db.name()) + " TO " + TestDatabase.quoteIdentifier(owner.name()));
        if (signal) {
            db.execute("GRANT pg_signal_backend TO " + TestDatabase.quoteIdentifier(owner.name()));
        }
        return owner;
    }
}
