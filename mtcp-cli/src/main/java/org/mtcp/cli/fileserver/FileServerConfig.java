package org.mtcp.cli.fileserver;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a file server serves and how.
 *
 * @param root the served directory (every server of the pool needs identical files, at any path)
 * @param chunkSize bytes of body per write, each followed by a snapshot (the paper's 1 KB)
 * @param snapshotPad minimum snapshot size in bytes (0: no padding)
 * @param chunkInterval wait before each chunk: the paper's streaming server sends its chunks "at
 *     regular intervals" (zero: as fast as the connection takes them)
 * @param degradation artificial slowdown (section 5 of the paper), {@link Degradation#NONE} for
 *     none; its delays add to the interval
 */
public record FileServerConfig(Path root, int chunkSize, int snapshotPad, Duration chunkInterval,
        Degradation degradation) {

    public static final int DEFAULT_CHUNK_SIZE = 1024;

    public FileServerConfig {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunk size must be positive");
        }
        if (snapshotPad < 0) {
            throw new IllegalArgumentException("snapshot padding must not be negative");
        }
        if (chunkInterval.isNegative()) {
            throw new IllegalArgumentException("chunk interval must not be negative");
        }
    }

    public static FileServerConfig of(Path root) {
        return new FileServerConfig(root, DEFAULT_CHUNK_SIZE, 0, Duration.ZERO, Degradation.NONE);
    }

    public FileServerConfig withDegradation(Degradation d) {
        return new FileServerConfig(root, chunkSize, snapshotPad, chunkInterval, d);
    }

    public FileServerConfig withSnapshotPad(int pad) {
        return new FileServerConfig(root, chunkSize, pad, chunkInterval, degradation);
    }

    public FileServerConfig withChunkSize(int size) {
        return new FileServerConfig(root, size, snapshotPad, chunkInterval, degradation);
    }

    public FileServerConfig withChunkInterval(Duration interval) {
        return new FileServerConfig(root, chunkSize, snapshotPad, interval, degradation);
    }
}
