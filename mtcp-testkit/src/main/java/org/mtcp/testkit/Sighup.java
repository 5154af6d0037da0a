package org.mtcp.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * SIGHUP in the processes a test starts. A JVM started with SIGHUP ignored (a test run under
 * {@code nohup}, as CI may be) cannot reload on it, so a child is started with the signal's
 * default restored, or explicitly ignored to test what a command says then (coreutils' {@code
 * env --default-signal} and {@code --ignore-signal}: the command is exec-ed, same pid).
 */
public final class Sighup {

    private Sighup() {}

    /** Whether this process ignores SIGHUP (bit 0 of SigIgn in /proc/self/status), as its children would. */
    public static boolean ignoredHere() {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return false;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16) & 1L) != 0;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return false;
    }

    /** {@code command} started so that SIGHUP has its default action in it, whatever this process does with it. */
    public static List<String> handledBy(List<String> command) {
        return ignoredHere() ? prefixed("--default-signal=HUP", command) : command;
    }

    /** {@code command} started with SIGHUP ignored, as under {@code nohup}. */
    public static List<String> ignoredBy(List<String> command) {
        return prefixed("--ignore-signal=HUP", command);
    }

    private static List<String> prefixed(String option, List<String> command) {
        List<String> prefixed = new ArrayList<>(List.of("env", option));
        prefixed.addAll(command);
        return prefixed;
    }
}
