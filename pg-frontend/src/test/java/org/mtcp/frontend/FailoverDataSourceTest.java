package org.mtcp.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.mtcp.frontend.engine.NewestTimeline;

/** The parts of the old-primary check that need no server (PrimaryFailoverTest runs it on a real pair). */
class FailoverDataSourceTest {

    @Test
    void aMultiHostUrlGivesOneUrlPerHostWithEverythingElseKept() {
        assertThat(FailoverDataSource.singleHostUrls(
                "jdbc:postgresql://db1:5432,db2:5433/bank?targetServerType=primary&user=app"))
                .containsExactly("jdbc:postgresql://db1:5432/bank?targetServerType=primary&user=app",
                        "jdbc:postgresql://db2:5433/bank?targetServerType=primary&user=app");
        assertThat(FailoverDataSource.singleHostUrls("jdbc:postgresql://[::1]:5432,10.0.0.2/bank"))
                .containsExactly("jdbc:postgresql://[::1]:5432/bank", "jdbc:postgresql://10.0.0.2/bank");
        assertThat(FailoverDataSource.singleHostUrls("jdbc:postgresql://a,b?targetServerType=primary"))
                .containsExactly("jdbc:postgresql://a?targetServerType=primary", "jdbc:postgresql://b?targetServerType=primary");
    }

    @Test
    void aSingleHostUrlIsItself() {
        assertThat(FailoverDataSource.singleHostUrls("jdbc:postgresql://db1:5432/bank")).containsExactly("jdbc:postgresql://db1:5432/bank");
        assertThat(FailoverDataSource.singleHostUrls("jdbc:postgresql:bank")).containsExactly("jdbc:postgresql:bank");
    }

    @Test
    void onlyATimelineBehindTheNewestSeenIsAnOldPrimary() {
        NewestTimeline timelines = new NewestTimeline();
        assertThat(timelines.isBehind(1)).as("nothing seen yet").isFalse();
        timelines.saw(2);
        timelines.saw(1);
        timelines.saw(0);
        assertThat(timelines.newest()).isEqualTo(2);
        assertThat(timelines.isBehind(1)).isTrue();
        assertThat(timelines.isBehind(2)).isFalse();
        assertThat(timelines.isBehind(3)).isFalse();
        assertThat(timelines.isBehind(0)).as("a standby's (no timeline of its own)").isFalse();
    }
}
