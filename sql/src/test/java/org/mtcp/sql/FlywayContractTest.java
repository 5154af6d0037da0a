package org.mtcp.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import org.mtcp.pg.ext.MtcpContract;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.testkit.pg.TestRole;

/**
 * The API contract with mtcp installed by the Flyway migration, the way it is done on a managed
 * server: the objects belong to an ordinary role that holds {@code pg_signal_backend} (as a cloud
 * provider's admin role can grant), and the front-ends are other ordinary roles.
 */
@LivePostgres
final class FlywayContractTest extends MtcpContract {

    private TestRole owner;

    @Override
    protected void installMtcp(TestDatabase db) throws SQLException {
        owner = db.createRole("owner");
        db.execute("GRANT CREATE ON DATABASE " + TestDatabase.quoteIdentifier(db.name()) + " TO " + TestDatabase.quoteIdentifier(owner.name()),
                "GRANT pg_signal_backend TO " + TestDatabase.quoteIdentifier(owner.name()));
        assertThat(MtcpMigrations.migrate(db.dataSource(owner))).as("V0.1, V0.2").isEqualTo(2);
    }

    @Override
    protected Connection connectAsOwner(TestDatabase db) throws SQLException {
        return db.connect(owner);
    }

    @Override
    protected int raceTrials() {
        return 300;                         // the same SQL as the extension's, which runs the full 1000
    }
}
