package org.mtcp.pg.ext;

import java.sql.Connection;
import java.sql.SQLException;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/** The API contract with mtcp installed as an extension ({@code CREATE EXTENSION mtcp}, by a superuser). */
@LivePostgres(extensions = "mtcp")
final class ExtensionContractTest extends MtcpContract {

    @Override
    protected void installMtcp(TestDatabase db) {
        // done by @LivePostgres(extensions = "mtcp")
    }

    @Override
    protected Connection connectAsOwner(TestDatabase db) throws SQLException {
        return db.connect();
    }
}
