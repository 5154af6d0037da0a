package org.mtcp.core.tls;

import java.io.IOException;
import java.nio.file.Path;

/** Key material that cannot be used; the message names the file and what is wrong with it. */
public final class TlsFileException extends IOException {

    private final Path file;

    public TlsFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public TlsFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }
}
