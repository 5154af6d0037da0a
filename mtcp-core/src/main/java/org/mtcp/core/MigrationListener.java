package org.mtcp.core;

/** Observer of a client connection's migrations; called on the thread that migrated. */
@FunctionalInterface
public interface MigrationListener {
    void onMigration(MigrationEvent event);
}
