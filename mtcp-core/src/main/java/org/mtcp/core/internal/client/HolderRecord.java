package org.mtcp.core.internal.client;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.mtcp.core.internal.wire.Frame;

/**
 * Who holds a client connection and where it may go: the holder, the epoch and certificate of
 * its last WELCOME (or CERT), the pool members announced (migration targets), the servers used,
 * the migrations so far and the smoothed round trip to the holder. Guarded by the connection's
 * lock: every method is called under it.
 */
final class HolderRecord {

    private long epoch;
    private byte[] certificate;
    private String holder;
    private final Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
    private final Set<String> used = new LinkedHashSet<>();
    private int migrations;
    private long srttNanos = -1;

    /** The record of the first WELCOME. */
    HolderRecord(Frame.Welcome first) {
        this.epoch = first.epoch();
        this.certificate = first.certificate();
        this.holder = first.server();
        replacePeers(first.peers());
        used.add(holder);
    }

    /** A migration's WELCOME: its server is the holder now, at its epoch, with its certificate. */
    void migrated(Frame.Welcome w) {
        epoch = w.epoch();
        certificate = w.certificate();
        holder = w.server();
        replacePeers(w.peers());
        used.add(holder);
        migrations++;
        srttNanos = -1;
    }

    /** A CERT from the holder; true when the peers it carries change the migration targets. */
    boolean certified(Frame.Cert c) {
        certificate = c.certificate();
        // Version 2: the pool as the holder sees it now; members removed from it are no longer
        // migration targets, new ones are.
        return replacePeers(c.peers());
    }

    /** Replaces the migration targets; an empty list (not carried) keeps the ones known. */
    private boolean replacePeers(List<Frame.Peer> announced) {
        if (announced.isEmpty()) {
            return false;
        }
        Map<String, InetSocketAddress> before = new LinkedHashMap<>(peers);
        peers.clear();
        for (Frame.Peer p : announced) {
            peers.put(p.name(), InetSocketAddress.createUnresolved(p.host(), p.port()));
        }
        return !before.equals(peers);
    }

    /** A PONG {@code sampleNanos} after its PING: the round-trip sample, or -1 when implausible. */
    long roundTrip(long sampleNanos) {
        if (sampleNanos < 0 || sampleNanos >= TimeUnit.HOURS.toNanos(1)) {
            return -1;
        }
        srttNanos = srttNanos < 0 ? sampleNanos : srttNanos + (sampleNanos - srttNanos) / 8;
        return sampleNanos;
    }

    String holder() {
        return holder;
    }

    long epoch() {
        return epoch;
    }

    /** The certificate itself (callers that hand it out copy it). */
    byte[] certificate() {
        return certificate;
    }

    int migrations() {
        return migrations;
    }

    Duration rtt() {
        return srttNanos < 0 ? null : Duration.ofNanos(srttNanos);
    }

    Set<String> serversUsed() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(used));
    }

    List<String> peerNames() {
        return List.copyOf(peers.keySet());
    }

    Map<String, InetSocketAddress> peerAddresses() {
        return new LinkedHashMap<>(peers);
    }

    InetSocketAddress addressOf(String name) {
        return peers.get(name);
    }
}
