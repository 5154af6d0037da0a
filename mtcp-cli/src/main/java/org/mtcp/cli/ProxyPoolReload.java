package org.mtcp.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.PoolMember;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;

/**
 * {@code mtcp proxy --pool FILE} on SIGHUP: reads the pool file again and gives its service
 * addresses to the proxy, so new connections use the new member list (relayed ones keep their
 * server and learn the pool from it). One log line says what changed; a file that cannot be read
 * or is malformed keeps the old pool, and the line says why.
 */
final class ProxyPoolReload {

    private final Path file;
    private final MigratoryProxy proxy;
    private final EventLog events;
    /** The members last given to the proxy, as {@code name@host:port}. Guarded by this. */
    private List<String> labels;

    ProxyPoolReload(Path file, List<String> initialLabels, MigratoryProxy proxy, EventLog events) {
        this.file = Objects.requireNonNull(file, "file");
        this.labels = List.copyOf(initialLabels);
        this.proxy = proxy;
        this.events = events;
    }

    /** Reads the file again; returns whether the proxy now uses it. */
    synchronized boolean reload() {
        List<PoolMember> members;
        try {
            members = PoolConfig.loadMembers(file);   // a client: no secret needed
        } catch (java.io.IOException | RuntimeException e) {
            // A missing file is an IOException saying so ("no pool file X"), a malformed one an
            // IllegalArgumentException naming the line.
            events.log("pool reload failed, keeping " + labels + ": " + e.getMessage());
            return false;
        }
        List<InetSocketAddress> addresses = new ArrayList<>();
        List<String> next = new ArrayList<>();
        for (PoolMember m : members) {
            addresses.add(m.service());
            next.add(m.name() + "@" + PoolTarget.format(m.service()));
        }
        if (addresses.isEmpty()) {
            events.log("pool reload failed, keeping " + labels + ": " + file + " lists no server");
            return false;
        }
        proxy.updatePool(addresses);
        List<String> added = next.stream().filter(l -> !labels.contains(l)).toList();
        List<String> removed = labels.stream().filter(l -> !next.contains(l)).toList();
        events.log("pool reloaded from " + file + ": " + (added.isEmpty() && removed.isEmpty()
                ? "unchanged" : "added=" + added + " removed=" + removed) + " pool=" + next);
        labels = List.copyOf(next);
        return true;
    }
}
