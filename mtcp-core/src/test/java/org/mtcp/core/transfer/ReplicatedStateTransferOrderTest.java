package org.mtcp.core.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ConnectionId;

/**
 * Which replica a push tries first: a member that did not answer (a stopped or hung server costs
 * each attempt the whole control timeout) is tried after the others, and back in its place once
 * it answers again.
 */
class ReplicatedStateTransferOrderTest {

    static final ConnectionId ID = ConnectionId.random();
    static final ConnectionState STATE = new ConnectionState(ID, 0, "h", new byte[0], 0, 0, new byte[0], 0, 0, 0,
            new byte[0], -1, -1, 0);

    /** A server whose ranking is a, b, c; {@code silent} members do not answer; records every STORE. */
    static final class Members implements TransferContext {
        Set<String> silent;
        final List<String> stores = new ArrayList<>();

        Members(Set<String> silent) {
            this.silent = silent;
        }

        /** The STOREs since the last call. */
        List<String> takeStores() {
            List<String> taken = List.copyOf(stores);
            stores.clear();
            return taken;
        }

        @Override
        public String localName() {
            return "h";
        }

        @Override
        public ConnectionState fetch(String holder, ConnectionId id, long epoch) throws IOException {
            throw new TransferException(TransferException.Reason.UNREACHABLE, "holder " + holder + ": no answer in time", "");
        }

        @Override
        public List<String> replicaRanking(ConnectionId id) {
            return List.of("a", "b", "c");
        }

        @Override
        public void store(String replica, ConnectionState state) throws IOException {
            stores.add(replica);
            if (silent.contains(replica)) {
                throw new TransferException(TransferException.Reason.UNREACHABLE, "replica " + replica + ": no answer in time", "");
            }
        }

        @Override
        public ConnectionState replica(ConnectionId id, long epoch) {
            return null;
        }
    }

    @Test
    void aReplicaThatDidNotAnswerIsTriedLastUntilItAnswersAgain() throws Exception {
        ReplicatedStateTransfer transfer = new ReplicatedStateTransfer(1);
        Members server = new Members(Set.of("a"));
        transfer.exported(STATE, server);
        transfer.exported(STATE, server);
        assertThat(server.takeStores()).containsExactly("a", "b", "b");
        // the silent one is still tried when the others fail too; once it answers, it is back in its place
        server.silent = Set.of("b", "c");
        transfer.exported(STATE, server);
        assertThat(server.takeStores()).containsExactly("b", "c", "a");
        server.silent = Set.of();
        transfer.exported(STATE, server);
        assertThat(server.takeStores()).containsExactly("a");
    }

    @Test
    void aHolderThatDidNotAnswerAFetchIsNotTheFirstReplicaOfTheTakeover() {
        ReplicatedStateTransfer transfer = new ReplicatedStateTransfer(1);
        Members members = new Members(Set.of());
        assertThatThrownBy(() -> transfer.acquire(ID, 0, "a", members)).isInstanceOf(TransferException.class)
                .hasMessageContaining("no answer in time");
        assertThat(transfer.answeringFirst(members, List.of("a", "b", "c"))).containsExactly("b", "c", "a");
        // another server sharing the strategy (as the servers of a test pool do) has its own memory
        assertThat(transfer.answeringFirst(new Members(Set.of()), List.of("a", "b", "c"))).containsExactly("a", "b", "c");
    }
}
