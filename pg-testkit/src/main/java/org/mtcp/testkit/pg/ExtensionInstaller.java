package org.mtcp.testkit.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;

/**
 * Installs extensions from the class path into one server's {@code SHAREDIR/extension}, each once:
 * for the servers the test kit installs files into itself (embedded, container). Thread-safe.
 */
final class ExtensionInstaller {

    private final String extensionDir;              // for messages
    private final ExtensionBundle.FileSink sink;    // writes one file there
    private final Set<String> installed = new HashSet<>();

    ExtensionInstaller(String extensionDir, ExtensionBundle.FileSink sink) {
        this.extensionDir = extensionDir;
        this.sink = sink;
    }

    /** Installs extension {@code name}'s files, unless this installer already did. */
    synchronized void ensureInstalled(String name) {
        if (installed.contains(name)) {
            return;
        }
        ExtensionBundle bundle = ExtensionBundle.find(name);
        try {
            bundle.copyTo(sink);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install " + bundle + " into " + extensionDir, e);
        }
        installed.add(name);
    }
}
