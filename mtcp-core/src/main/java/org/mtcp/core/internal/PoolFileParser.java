package org.mtcp.core.internal;

import java.io.IOException;
import java.nio.file.Path;
import org.mtcp.core.PoolConfig;

/** Parses the pool file format of {@code docs/pool-file.md}. */
public final class PoolFileParser {
    private PoolFileParser() {}

    public static PoolConfig parse(Path file) throws IOException {
        throw new UnsupportedOperationException("TODO");
    }
}
