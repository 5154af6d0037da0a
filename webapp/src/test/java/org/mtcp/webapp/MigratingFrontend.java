package org.mtcp.webapp;

import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import org.mtcp.frontend.FrontendServer;
import org.mtcp.frontend.cli.FrontendCommand;
import org.mtcp.frontend.engine.Hooks;
import picocli.CommandLine;

/**
 * {@code mtcp frontend} (the real {@link FrontendCommand}, same arguments) that asks its client to
 * move to a peer before about one COMMIT in {@value #ONE_IN}: a pool of these processes keeps its
 * clients migrating while a test changes something under them (keys, secrets). The migration is
 * the server-initiated one of a drain; the batch goes on at the peer from its snapshot.
 */
public final class MigratingFrontend {

    static final int ONE_IN = 16;

    private MigratingFrontend() {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new FrontendCommand(MigratingFrontend::migrateNowAndThen)).execute(args));
    }

    private static void migrateNowAndThen(FrontendServer server) {
        server.engine().setHooks((point, frontend, batch, seq, connection) -> {
            if (point == Hooks.Point.BEFORE_COMMIT && ThreadLocalRandom.current().nextInt(ONE_IN) == 0) {
                try {
                    connection.requestMigration(null);
                } catch (IOException e) {
                    // the client link is down: the client moves (or reattaches) by itself anyway
                }
            }
        });
    }
}
