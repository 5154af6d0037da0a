package org.mtcp.core.tls;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.mtcp.core.internal.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls files for changes on one thread and runs an action when any file of a watch changed:
 * a reloaded key ({@link TlsConfig#watch}), a pool file whose secrets rotate. A file's
 * fingerprint is its modification time, size and SHA-256 of its content (a rewrite within the
 * file system's time granularity is still seen), or "absent". The action runs on the watcher's
 * thread; it must not throw (an exception is logged and the watch goes on).
 *
 * <p>A half-written file is seen as a change like any other: the action fails to use it and
 * keeps what it had (as {@link TlsConfig#reload()} does), and the completed file is a further
 * change, seen at the next poll.
 */
public final class FileWatcher implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(FileWatcher.class);

    /** One watched group of files and its action; {@link #close()} stops watching them. */
    public final class Watch implements Closeable {
        private final List<Path> files;
        private final Runnable onChange;
        private byte[][] fingerprints;

        private Watch(List<Path> files, byte[][] baseline, Runnable onChange) {
            this.files = List.copyOf(files);
            this.onChange = onChange;
            this.fingerprints = baseline;
        }

        /** Runs the action when a file differs from when it was last looked at. */
        private void poll() {
            byte[][] now = fingerprints(files);
            if (Arrays.deepEquals(now, fingerprints)) {
                return;
            }
            fingerprints = now;
            try {
                onChange.run();
            } catch (RuntimeException e) {
                // The action's own failure must not stop the other watches: log it, keep polling.
                LOG.warn("reacting to a change of {} failed: {}", files, e.toString(), e);
            }
        }

        @Override
        public void close() {
            watches.remove(this);
        }
    }

    /**
     * How often the commands look at their key, certificate and trust files: a replaced key is in
     * use this long after at most (docs/cli.md, "TLS: keys, flags and reload").
     */
    public static final Duration KEY_FILES_INTERVAL = Duration.ofSeconds(2);

    private final List<Watch> watches = new CopyOnWriteArrayList<>();
    private final Duration interval;
    private final CountDownLatch closed = new CountDownLatch(1);

    private FileWatcher(Duration interval) {
        this.interval = interval;
    }

    /** A watcher polling every {@code interval} on a thread named {@code name}. */
    public static FileWatcher start(String name, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the polling interval must be positive, not " + interval);
        }
        FileWatcher w = new FileWatcher(interval);
        Threads.start(name, w::loop);
        return w;
    }

    /** Runs {@code onChange} on this watcher's thread whenever one of {@code files} changes. */
    public Watch watch(List<Path> files, Runnable onChange) {
        return watch(files, fingerprints(files), onChange);
    }

    /**
     * As {@link #watch(List, Runnable)}, comparing first with {@code baseline}: the files'
     * {@link #fingerprints} taken before they were last read, so a change made between that read
     * and this call is not missed.
     */
    Watch watch(List<Path> files, byte[][] baseline, Runnable onChange) {
        if (baseline.length != files.size()) {
            throw new IllegalArgumentException(baseline.length + " fingerprints for " + files.size() + " files");
        }
        Watch w = new Watch(files, baseline.clone(), Objects.requireNonNull(onChange, "onChange"));
        watches.add(w);
        return w;
    }

    private void loop() {
        try {
            while (!closed.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
                for (Watch w : watches) {
                    w.poll();
                }
            }
        } catch (InterruptedException e) {
            // interrupted: the process is going away; stop polling
            Thread.currentThread().interrupt();
        }
    }

    /** Stops polling; actions under way finish. */
    @Override
    public void close() {
        closed.countDown();
    }

    /** The {@link #fingerprint} of each of {@code files}. */
    static byte[][] fingerprints(List<Path> files) {
        byte[][] all = new byte[files.size()][];
        for (int i = 0; i < all.length; i++) {
            all[i] = fingerprint(files.get(i));
        }
        return all;
    }

    /** modification time | size | SHA-256 of the content; empty when absent, the error's text when unreadable. */
    static byte[] fingerprint(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            byte[] content = Files.readAllBytes(file);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Long.toString(a.lastModifiedTime().toMillis()).getBytes());
            sha.update((byte) '|');
            sha.update(Long.toString(a.size()).getBytes());
            sha.update((byte) '|');
            return sha.digest(content);
        } catch (NoSuchFileException e) {
            return new byte[0];   // absent: a change when it appears again
        } catch (IOException e) {
            return e.toString().getBytes();   // unreadable (permissions being changed): a state of its own
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }
}
