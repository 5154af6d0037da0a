package org.mtcp.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What counts as a change, and a failing action does not stop the watching. */
class FileWatcherTest {

    @TempDir
    Path dir;

    @Test
    void aRewriteWithTheSameSizeAndTimeIsStillAChange() throws Exception {
        Path f = Files.writeString(dir.resolve("key.pem"), "AAAA");
        FileTime time = Files.getLastModifiedTime(f);
        byte[] before = FileWatcher.fingerprint(f);
        Files.writeString(f, "BBBB");
        Files.setLastModifiedTime(f, time);
        assertThat(FileWatcher.fingerprint(f)).isNotEqualTo(before);
        Files.writeString(f, "AAAA");
        Files.setLastModifiedTime(f, time);
        assertThat(FileWatcher.fingerprint(f)).isEqualTo(before);
        Files.delete(f);
        assertThat(FileWatcher.fingerprint(f)).isEmpty();
    }

    @Test
    void everyChangeRunsTheActionEvenAfterTheActionFailed() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "1");
        Path b = dir.resolve("b");   // absent at first
        AtomicInteger runs = new AtomicInteger();
        try (FileWatcher w = FileWatcher.start("file-watcher-test", Duration.ofMillis(20));
                FileWatcher.Watch watch = w.watch(List.of(a, b), () -> {
                    runs.incrementAndGet();
                    throw new IllegalStateException("a reload that fails");
                })) {
            Files.writeString(a, "22");
            await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
            Files.writeString(b, "appeared");
            await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 2);
            Files.delete(a);
            await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 3);
            watch.close();
            Files.writeString(a, "333");
            // closed: further changes are not acted on. Another watch on the same thread, added
            // after this change, sees the next one: once it ran, the closed watch had its chance.
            AtomicInteger other = new AtomicInteger();
            w.watch(List.of(a), other::incrementAndGet);
            Files.writeString(a, "4444");
            await().atMost(Duration.ofSeconds(10)).until(() -> other.get() == 1);
            assertThat(runs.get()).isEqualTo(3);
        }
    }
}
