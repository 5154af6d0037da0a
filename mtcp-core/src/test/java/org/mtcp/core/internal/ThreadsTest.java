package org.mtcp.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadsTest {

    @Test
    void linkThreadKindIsReadFromTheProperty() {
        assertThat(Threads.linkThreads(null)).isEqualTo(Threads.Kind.VIRTUAL);
        assertThat(Threads.linkThreads(" ")).isEqualTo(Threads.Kind.VIRTUAL);
        assertThat(Threads.linkThreads("virtual")).isEqualTo(Threads.Kind.VIRTUAL);
        assertThat(Threads.linkThreads("Platform")).isEqualTo(Threads.Kind.PLATFORM);
        assertThatThrownBy(() -> Threads.linkThreads("green"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Threads.LINK_THREADS_PROPERTY);
    }

    @Test
    void linkIoRunsOnTheConfiguredKindOfThread() throws Exception {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        Thread t = Threads.startLinkIo("mtcp-test-link", () -> ran.complete(Thread.currentThread()));
        Thread seen = ran.get(30, TimeUnit.SECONDS);
        assertThat(seen).isSameAs(t);
        assertThat(seen.getName()).isEqualTo("mtcp-test-link");
        assertThat(seen.isVirtual()).isEqualTo(Threads.linkThreads() == Threads.Kind.VIRTUAL);
    }
}
