package org.mtcp.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.MtcpSocket;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.frontend.testing.TestOps;
import org.mtcp.testkit.LoopbackPool;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/**
 * A database without the mtcp extension: the front-end applies the sql module's Flyway migration
 * of the same API at start-up; told not to migrate, it refuses to start and says why. Front-ends
 * started at once on an empty database (a fresh deployment) all start: one migrates, the others
 * wait for it.
 */
@LivePostgres
class FrontendSchemaTest {

    @Test
    void withoutTheExtensionTheFlywayMigrationIsApplied(TestDatabase db) throws Exception {
        assertThatThrownBy(() -> FrontendPool.start(1, db.jdbcUrl(), db.adminProperties(), TestOps.operations(),
                List.of(TestOps.SCHEMA), c -> c.withMigrate(false)))
                .isInstanceOf(FrontendServer.StartupException.class)
                .hasMessageContaining("the database has no mtcp API")
                .hasMessageContaining("CREATE EXTENSION mtcp");

        try (FrontendPool pool = FrontendPool.start(1, db.jdbcUrl(), db.adminProperties(), TestOps.operations(),
                List.of(TestOps.SCHEMA), c -> c)) {
            try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
                HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.post("/v1/batches", "{\"id\":\"flyway\",\"transactions\":[{\"op\":\"add\",\"args\":{\"key\":\"f\",\"delta\":1}}]}"),
                        null);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.lines()).hasSize(2);
            }
        }
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM mtcp.flyway_history WHERE success")) {
            rs.next();
            assertThat(rs.getInt(1)).isPositive();
        }
        // a second start finds everything in place
        try (FrontendPool again = FrontendPool.start(1, db.jdbcUrl(), db.adminProperties(), TestOps.operations(),
                List.of(TestOps.SCHEMA), c -> c.withMigrate(false))) {
            assertThat(again.frontends()).hasSize(1);
        }
    }

    /**
     * mtcp 0.1 (transaction ids without their timeline): where the front-end applied the Flyway
     * migration it applies V0.2 too; the extension is a DBA's to update, and the front-end says how.
     */
    @Test
    void anMtcp01DatabaseIsUpdatedByFlywayOrRefusedWithTheUpdateToRun(TestDatabase db) throws Exception {
        try (TestDatabase migrated = TestDatabase.create(db.server(), "mtcp01_flyway", List.of())) {
            org.mtcp.sql.MtcpMigrations.configure(FrontendPool.directDataSource(migrated.jdbcUrl(), migrated.adminProperties()))
                    .target("0.1").load().migrate();
            try (FrontendPool pool = FrontendPool.start(1, migrated.jdbcUrl(), migrated.adminProperties(), TestOps.operations(),
                    List.of(TestOps.SCHEMA), c -> c)) {
                assertThat(pool.frontends()).hasSize(1);
            }
            try (Connection c = migrated.connect(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT mtcp.api_version()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("0.2");
            }
        }
        try (TestDatabase extension = TestDatabase.create(db.server(), "mtcp01_extension", List.of())) {
            extension.execute("CREATE EXTENSION mtcp VERSION '0.1'");
            assertThatThrownBy(() -> FrontendPool.start(1, extension.jdbcUrl(), extension.adminProperties(), TestOps.operations(),
                    List.of(TestOps.SCHEMA), c -> c))
                    .isInstanceOf(FrontendServer.StartupException.class)
                    .hasMessageContaining("mtcp API is version 0.1, this front-end needs 0.2")
                    .hasMessageContaining("ALTER EXTENSION mtcp UPDATE");
        }
    }

    @Test
    void frontEndsStartingAtOnceOnAnEmptyDatabaseAllStart(TestDatabase db) throws Exception {
        int rounds = 2;
        int n = 3;
        ExecutorService starters = Executors.newFixedThreadPool(n);
        try {
            for (int round = 0; round < rounds; round++) {
                try (TestDatabase fresh = TestDatabase.create(db.server(), "concurrent_start", List.of());
                        LoopbackPool pool = LoopbackPool.start(n)) {
                    CountDownLatch go = new CountDownLatch(1);
                    List<Future<FrontendServer>> started = new ArrayList<>();
                    for (MtcpServer server : pool.servers()) {
                        FrontendConfig config = FrontendConfig.defaults(null, server.name(), fresh.jdbcUrl())
                                .withCredentials(fresh.adminProperties().getProperty("user"),
                                        fresh.adminProperties().getProperty("password"))
                                .withAppSchemas(List.of(TestOps.SCHEMA))
                                .withReconnectTimeout(Duration.ofSeconds(2))
                                .withDbPoolSize(2);
                        started.add(starters.submit(() -> {
                            go.await();
                            return FrontendServer.start(config, TestOps.operations(), server);
                        }));
                    }
                    go.countDown();
                    List<FrontendServer> frontends = new ArrayList<>();
                    List<Throwable> failures = new ArrayList<>();
                    for (Future<FrontendServer> f : started) {
                        try {
                            frontends.add(f.get());
                        } catch (java.util.concurrent.ExecutionException e) {
                            failures.add(e.getCause());
                        }
                    }
                    for (FrontendServer fe : frontends) {
                        fe.close();
                    }
                    assertThat(failures).as("round %d: start-up failures", round).isEmpty();
                    assertThat(frontends).hasSize(n);
                    try (Connection c = fresh.connect(); Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM mtcp.flyway_history WHERE NOT success)"
                                    + " + (SELECT count(*) FROM frontend.flyway_history WHERE NOT success)")) {
                        rs.next();
                        assertThat(rs.getInt(1)).as("failed migrations").isZero();
                    }
                }
            }
        } finally {
            starters.shutdownNow();
        }
    }

    @Test
    void aFrontEndWithOneDatabaseConnectionStartsAndServes(TestDatabase db) throws Exception {
        // Flyway takes two connections at once: the start-up migrations must not use the pool
        try (FrontendPool pool = FrontendPool.start(1, db.jdbcUrl(), db.adminProperties(), TestOps.operations(),
                List.of(TestOps.SCHEMA), c -> c.withDbPoolSize(1))) {
            try (MtcpSocket s = MtcpSocket.connect(pool.addresses(), ClientOptions.defaults())) {
                HttpExchange.Response r = HttpExchange.exchange(s.getInputStream(), s.getOutputStream(),
                        HttpExchange.post("/v1/batches", "{\"id\":\"pool-of-one\",\"transactions\":["
                                + "{\"op\":\"add\",\"args\":{\"key\":\"p1\",\"delta\":1}},"
                                + "{\"op\":\"add\",\"args\":{\"key\":\"p1\",\"delta\":2}}]}"),
                        null);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.lines()).hasSize(3);
                assertThat(r.lines().get(1)).contains("\"value\":3");
            }
        }
    }
}
