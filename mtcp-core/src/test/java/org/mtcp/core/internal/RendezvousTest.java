package org.mtcp.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mtcp.core.ConnectionId;

class RendezvousTest {

    @Test
    void theRankingIsAPermutationThatDoesNotDependOnTheOrderOfTheNames() {
        ConnectionId id = new ConnectionId(17, 42);
        List<String> ranked = Rendezvous.rank(id, List.of("s1", "s2", "s3", "s4"));
        assertThat(ranked).containsExactlyInAnyOrder("s1", "s2", "s3", "s4");
        assertThat(Rendezvous.rank(id, List.of("s4", "s3", "s2", "s1"))).isEqualTo(ranked);
    }

    @Test
    void removingAServerKeepsTheRelativeOrderOfTheOthers() {
        for (long i = 0; i < 200; i++) {
            ConnectionId id = new ConnectionId(i * 7919, i);
            List<String> ranked = Rendezvous.rank(id, List.of("s1", "s2", "s3", "s4"));
            List<String> without = Rendezvous.rank(id, List.of("s1", "s2", "s4"));
            assertThat(without).isEqualTo(ranked.stream().filter(n -> !n.equals("s3")).toList());
        }
    }

    @Test
    void firstChoicesSpreadOverTheServers() {
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            first.merge(Rendezvous.rank(ConnectionId.random(), List.of("a", "b", "c")).get(0), 1, Integer::sum);
        }
        // each would get 1000 on average; 700 is far outside the binomial's spread
        assertThat(first.values()).hasSize(3).allSatisfy(n -> assertThat(n).isGreaterThan(700));
    }
}
