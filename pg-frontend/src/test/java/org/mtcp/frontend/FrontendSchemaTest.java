package org.mtcp.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpSocket;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.frontend.testing.TestOps;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/**
 * A database without the mtcp extension: the front-end applies the sql module's Flyway migration
 * of the same API at start-up; told not to migrate, it refuses to start and says why.
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
}
