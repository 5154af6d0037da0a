package org.mtcp.pg.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mtcp.pg.ext.MtcpCalls.queryString;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.testkit.pg.TestRole;

/** What is particular to the extension: versions, upgrades, pg_dump, DROP EXTENSION. */
@LivePostgres(extensions = "mtcp")
final class ExtensionPackagingTest {

    private static final Path MODULE = Path.of(System.getProperty("user.dir"));

    private static String defaultVersion() throws IOException {
        Matcher m = Pattern.compile("(?m)^default_version\\s*=\\s*'([^']+)'").matcher(Files.readString(MODULE.resolve("mtcp.control")));
        assertThat(m.find()).as("default_version in mtcp.control").isTrue();
        return m.group(1);
    }

    @Test
    void theInstalledVersionIsTheControlFilesDefaultAndTheApiSaysSo(TestDatabase db) throws Exception {
        String version = defaultVersion();
        try (Connection c = db.connect()) {
            assertThat(queryString(c, "SELECT extversion FROM pg_extension WHERE extname = 'mtcp'")).isEqualTo(version);
            assertThat(queryString(c, "SELECT mtcp.api_version()")).isEqualTo(version);
            assertThat(queryString(c, "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'mtcp'"))
                    .isEqualTo("mtcp");
            assertThat(queryString(c, "SELECT extrelocatable::text FROM pg_extension WHERE extname = 'mtcp'")).isEqualTo("false");
        }
    }

    @Test
    void everyVersionHasAPathFromTheFirstInstallScript(TestDatabase db) throws Exception {
        List<String> scripts;
        try (Stream<Path> files = Files.list(MODULE)) {
            scripts = files.map(p -> p.getFileName().toString()).filter(n -> n.matches("mtcp--.*\\.sql")).sorted().toList();
        }
        List<String> installs = scripts.stream().filter(n -> n.matches("mtcp--[^-]+\\.sql")).toList();
        assertThat(installs).as("one install script; later versions ship upgrade scripts only (Flyway maps them 1:1)")
                .containsExactly("mtcp--0.1.sql");
        try (Connection c = db.connect()) {
            // ALTER EXTENSION ... UPDATE reaches the default version from the first one
            assertThat(queryString(c, """
                    SELECT count(*) FROM pg_extension_update_paths('mtcp')
                     WHERE source = '0.1' AND target = (SELECT default_version FROM pg_available_extensions WHERE name = 'mtcp')
                       AND path IS NOT NULL""")).isEqualTo(defaultVersion().equals("0.1") ? "0" : "1");
            try (var s = c.createStatement()) {
                s.execute("ALTER EXTENSION mtcp UPDATE");
            }
            assertThat(queryString(c, "SELECT extversion FROM pg_extension WHERE extname = 'mtcp'")).isEqualTo(defaultVersion());
        }
    }

    /**
     * A DBA's ALTER EXTENSION mtcp UPDATE from 0.1: the outcomes logged by 0.1 still answer the
     * bare xid8s that 0.1 handed out, and the front-end roles granted under 0.1 get the new API
     * (timeline-qualified tids) without a new grant.
     */
    @Test
    void updatingFrom01KeepsOutcomesAndGrantsTheNewApiToFrontEndRoles(TestDatabase db) throws Exception {
        TestRole fe = db.createRole("upgraded_fe");
        try (Connection c = db.connect(); var s = c.createStatement()) {
            s.execute("DROP EXTENSION mtcp");
            s.execute("CREATE EXTENSION mtcp VERSION '0.1'");
            s.execute("SELECT mtcp.grant_frontend('" + fe.name() + "')");
        }
        MtcpCalls.Session session;
        String committed01;
        String rolledBack01;
        try (Connection c = db.connect(fe)) {
            assertThat(queryString(c, "SELECT mtcp.api_version()")).isEqualTo("0.1");
            session = MtcpCalls.openSession(c);
            c.setAutoCommit(false);
            committed01 = queryString(c, "SELECT mtcp.begin(" + session.id() + ", " + session.epoch() + ")::text");
            c.commit();
            rolledBack01 = queryString(c, "SELECT mtcp.begin(" + session.id() + ", " + session.epoch() + ")::text");
            c.rollback();
        }
        try (Connection c = db.connect(); var s = c.createStatement()) {
            s.execute("ALTER EXTENSION mtcp UPDATE");
            assertThat(queryString(c, "SELECT extversion FROM pg_extension WHERE extname = 'mtcp'")).isEqualTo("0.2");
            assertThat(queryString(c, "SELECT coalesce(timeline::text, 'none') FROM mtcp.txn_log WHERE xid = '" + committed01 + "'"))
                    .as("0.1 did not record it").isEqualTo("none");
        }
        try (Connection c = db.connect(fe)) {
            assertThat(queryString(c, "SELECT mtcp.api_version()")).isEqualTo("0.2");
            assertThat(MtcpCalls.outcomeXid8(c, committed01)).isEqualTo(MtcpCalls.COMMITTED);
            assertThat(MtcpCalls.outcome(c, committed01)).isEqualTo(MtcpCalls.COMMITTED);
            assertThat(MtcpCalls.outcome(c, rolledBack01)).isEqualTo(MtcpCalls.ABORTED);
            MtcpCalls.Takeover t = MtcpCalls.reconnect(c, session.id(), committed01, java.time.Duration.ZERO);
            assertThat(t).isEqualTo(new MtcpCalls.Takeover(session.epoch() + 1, MtcpCalls.COMMITTED));
            c.setAutoCommit(false);
            String tid = MtcpCalls.begin(c, session.at(t.epoch()));
            c.commit();
            assertThat(MtcpCalls.timeline(tid)).isPositive();
            assertThat(MtcpCalls.reconnect(c, session.id(), tid, java.time.Duration.ZERO).outcome()).isEqualTo(MtcpCalls.COMMITTED);
        }
        try (Connection c = db.connect(); var s = c.createStatement()) {
            s.execute("DROP EXTENSION mtcp");
            s.execute("CREATE EXTENSION mtcp");
        }
    }

    @Test
    void pgDumpKeepsTheSessions(TestDatabase db) throws SQLException {
        try (Connection c = db.connect()) {
            assertThat(queryString(c, "SELECT array_to_string(extconfig::regclass[], ',') FROM pg_extension WHERE extname = 'mtcp'"))
                    .isEqualTo("mtcp.session,mtcp.session_id_seq,mtcp.session_lock_key_seq");
        }
    }

    @Test
    void dropExtensionRemovesEveryObjectAndCreateWorksAgain(TestDatabase db) throws SQLException {
        try (Connection c = db.connect(); var s = c.createStatement()) {
            s.execute("CREATE TABLE keep_me (id int)");
            s.execute("DROP EXTENSION mtcp");
            assertThat(queryString(c, "SELECT count(*) FROM pg_class WHERE relnamespace = 'mtcp'::regnamespace")).isEqualTo("0");
            assertThat(queryString(c, "SELECT count(*) FROM pg_proc WHERE pronamespace = 'mtcp'::regnamespace")).isEqualTo("0");
            s.execute("CREATE EXTENSION mtcp");
            assertThat(queryString(c, "SELECT epoch::text FROM mtcp.open_session()")).isEqualTo("0");
        }
    }
}
