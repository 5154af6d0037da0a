package org.mtcp.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FileDescriptorsTest {

    @Test
    void aLimitBelowTheConfiguredConnectionsIsReportedWithWhatFitsAndWhatToDo() {
        assertThat(FileDescriptors.shortfall(1024, 10_000, 2, "--max-connections", "lower --max-connections")).hasValueSatisfying(w -> assertThat(w)
                .contains("limit is 1024").contains("20256").contains("about 384 connections fit")
                .contains("ulimit -n 20256").contains("lower --max-connections"));
    }

    @Test
    void aSufficientOrUnknownLimitSaysNothing() {
        assertThat(FileDescriptors.shortfall(20_256, 10_000, 2, "--max-connections", "")).isEmpty();
        assertThat(FileDescriptors.shortfall(-1, 10_000, 2, "--max-connections", "")).isEmpty();
        assertThat(FileDescriptors.limit()).isNotZero();
    }
}
