package org.mtcp.core.policy;

import java.util.Optional;

/**
 * Migrates when the holder fails: its link was reset, ended without CLOSE, broke the protocol,
 * or stayed silent for the client's missed-keepalive limit. The client detects these; this
 * policy turns them into a migration with reason {@code holder-failed: <cause>}.
 *
 * <p>Clients have it by default ({@link org.mtcp.core.ClientOptions#failover()}): losing a
 * connection because one server or one path failed is never what an application wants when
 * another server could take over. With lazy state transfer the takeover still needs the old
 * holder's process alive (only the client's path to it broken); when it is dead the migration
 * fails and the connection fails with a clear error.
 */
public final class HolderFailurePolicy implements MigrationPolicy {

    private String cause;

    @Override
    public String name() {
        return "holder-failure";
    }

    @Override
    public synchronized void onHolderFailure(String cause, long nanoTime) {
        this.cause = cause;
    }

    @Override
    public synchronized void onNewHolder(String server, long nanoTime) {
        cause = null;
    }

    @Override
    public synchronized Optional<String> evaluate(long nanoTime) {
        return cause == null ? Optional.empty() : Optional.of("holder-failed: " + cause);
    }
}
