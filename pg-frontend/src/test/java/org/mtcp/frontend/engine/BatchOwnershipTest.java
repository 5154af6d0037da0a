package org.mtcp.frontend.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mtcp.frontend.engine.BatchOwnership.Verdict.CONNECTION_MOVED_ON;
import static org.mtcp.frontend.engine.BatchOwnership.Verdict.NEWER_REQUEST;
import static org.mtcp.frontend.engine.BatchOwnership.Verdict.TAKE_OVER;

import org.junit.jupiter.api.Test;
import org.mtcp.frontend.engine.BatchOwnership.Claimant;

/** The newest request for a batch id wins, whatever order the old and new requests reach a front-end in. */
class BatchOwnershipTest {

    @Test
    void theSameRequestTakesItsBatchBackAtALaterEpochOnly() {
        assertThat(BatchOwnership.decide("c1", 3, 1, new Claimant("c1", 3, 2), true)).isEqualTo(TAKE_OVER);
        assertThat(BatchOwnership.decide("c1", 3, 2, new Claimant("c1", 3, 2), true)).isEqualTo(TAKE_OVER);
        assertThat(BatchOwnership.decide("c1", 3, 4, new Claimant("c1", 3, 2), true)).isEqualTo(CONNECTION_MOVED_ON);
    }

    @Test
    void aRequestNeverSeenBeforeIsARePostAndAlwaysWins() {
        assertThat(BatchOwnership.decide("c1", 3, 7, new Claimant("c2", 0, 0), false)).isEqualTo(TAKE_OVER);
        // the same connection's next request (a re-post on a keep-alive connection)
        assertThat(BatchOwnership.decide("c1", 3, 7, new Claimant("c1", 4, 0), false)).isEqualTo(TAKE_OVER);
    }

    @Test
    void anOldRequestComingBackAfterANewerOneTookTheBatchIsSuperseded() {
        // c1's request resumes (SIGCONT, or its connection migrated) after c2 re-posted: c2 keeps it
        assertThat(BatchOwnership.decide("c2", 0, 0, new Claimant("c1", 3, 9), true)).isEqualTo(NEWER_REQUEST);
        assertThat(BatchOwnership.decide("c1", 4, 0, new Claimant("c1", 3, 9), true)).isEqualTo(NEWER_REQUEST);
    }
}
