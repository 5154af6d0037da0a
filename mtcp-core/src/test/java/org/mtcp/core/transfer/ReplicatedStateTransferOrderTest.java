package org.mtcp.core.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ConnectionId;

/**
 * Which replicas a push tries: a member that did not answer in time (a stopped or hung server
 * costs each attempt the whole control timeout) is skipped for a while; one that refused (dead,
 * or restarting) is tried again at every push.
 */
class ReplicatedStateTransferOrderTest {

    static final ConnectionId ID = ConnectionId.random();
    static final ConnectionState STATE = new ConnectionState(ID, 0, "h", new byte[0], 0, 0, new byte[0], 0, 0, 0,
            new byte[0], -1, -1, 0);

    /** A server whose ranking is a, b, c; {@code silent} members do not answer; records every STORE. */
    static final class Members implements TransferContext {
        volatile Set<String> silent;
        volatile Set<String> dead = Set.of();
        final List<String> stores = java.util.Collections.synchronizedList(new ArrayList<>());  // probes push from their own threads

        Members(Set<String> silent) {
            this.silent = silent;
        }

        /** The STOREs since the last call. */
        List<String> takeStores() {
            synchronized (stores) {
                List<String> taken = List.copyOf(stores);
                stores.clear();
                return taken;
            }
        }

        @Override
        public String localName() {
            return "h";
        }

        @Override
        public ConnectionState fetch(String holder, ConnectionId id, long epoch) throws IOException {
            throw new TransferException(TransferException.Reason.UNREACHABLE, "holder " + holder + ": no answer in time",
                    new SocketTimeoutException("Read timed out"));
        }

        @Override
        public List<String> replicaRanking(ConnectionId id) {
            return List.of("a", "b", "c");
        }

        @Override
        public void store(String replica, ConnectionState state) throws IOException {
            stores.add(replica);
            if (silent.contains(replica)) {
                throw new TransferException(TransferException.Reason.UNREACHABLE, "replica " + replica + ": no answer in time",
                        new SocketTimeoutException("Read timed out"));
            }
            if (dead.contains(replica)) {
                throw new TransferException(TransferException.Reason.UNREACHABLE, "replica " + replica + ": refused",
                        new ConnectException("Connection refused"));
            }
        }

        @Override
        public ConnectionState replica(ConnectionId id, long epoch) {
            return null;
        }
    }

    @Test
    void aReplicaThatDidNotAnswerIsSkippedButARefusingOneIsTriedAtEveryPush() throws Exception {
        ReplicatedStateTransfer transfer = new ReplicatedStateTransfer(1);
        Members server = new Members(Set.of("a"));
        transfer.exported(STATE, server);
        transfer.exported(STATE, server);
        assertThat(server.takeStores()).containsExactly("a", "b", "b");
        // b refuses (dead): tried at every push; a is not tried while it is avoided
        server.silent = Set.of();
        server.dead = Set.of("b");
        transfer.exported(STATE, server);
        transfer.exported(STATE, server);
        assertThat(server.takeStores()).containsExactly("b", "c", "b", "c");
        // nobody left to push to: the push fails (stable stays) without waiting for a; a, skipped,
        // gets the state in the background, answers (it is not silent any more) and is a replica again
        server.dead = Set.of("b", "c");
        assertThatThrownBy(() -> transfer.exported(STATE, server)).isInstanceOf(TransferException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.stores.size() == 3);
        assertThat(server.takeStores()).containsExactly("b", "c", "a");
        await().atMost(Duration.ofSeconds(10)).until(() -> transfer.answering(server, List.of("a", "b", "c")).contains("a"));
    }

    /**
     * Found by FrontendKillTest: every peer of a holder had been stopped once (each skipped for
     * 30 s), then came back; the holder pushed to nobody and lost its connection when it was
     * stopped in turn. A push short of replicas probes the skipped members in the background.
     */
    @Test
    void skippedMembersThatAnswerAgainAreReplicasAgainAtTheNextPush() throws Exception {
        ReplicatedStateTransfer transfer = new ReplicatedStateTransfer(1);
        Members server = new Members(Set.of("a", "b", "c"));
        assertThatThrownBy(() -> transfer.exported(STATE, server)).isInstanceOf(TransferException.class);
        assertThat(server.takeStores()).containsExactly("a", "b", "c");
        assertThat(transfer.answering(server, List.of("a", "b", "c"))).isEmpty();

        server.silent = Set.of();                    // continued (SIGCONT) or restarted: they answer again
        assertThatThrownBy(() -> transfer.exported(STATE, server)).isInstanceOf(TransferException.class)
                .hasMessageContaining("did not answer lately");   // this push tried nobody...
        await().atMost(Duration.ofSeconds(10))               // ...but probed all three in the background
                .until(() -> transfer.answering(server, List.of("a", "b", "c")).size() == 3);
        server.takeStores();
        transfer.exported(STATE, server);            // the next push is replicated, to the first of the ranking
        assertThat(server.takeStores()).containsExactly("a");
    }

    @Test
    void aHolderThatDidNotAnswerAFetchIsNotTheFirstReplicaOfTheTakeover() {
        ReplicatedStateTransfer transfer = new ReplicatedStateTransfer(1);
        Members members = new Members(Set.of());
        assertThatThrownBy(() -> transfer.acquire(ID, 0, "a", members)).isInstanceOf(TransferException.class)
                .hasMessageContaining("no answer in time");
        assertThat(transfer.answering(members, List.of("a", "b", "c"))).containsExactly("b", "c");
        // another server sharing the strategy (as the servers of a test pool do) has its own memory
        assertThat(transfer.answering(new Members(Set.of()), List.of("a", "b", "c"))).containsExactly("a", "b", "c");
    }
}
