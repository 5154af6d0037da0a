package org.mtcp.testkit.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An extension's files from the class path, installed into a directory and compared with one. */
final class ExtensionBundleTest {

    @Test
    void anInstallationIsComparedFileByFile(@TempDir Path extensionDir) throws IOException {
        ExtensionBundle probe = ExtensionBundle.find("mtcp_testkit_probe");
        assertThat(probe.fileNames()).containsExactly("mtcp_testkit_probe--1.0.sql", "mtcp_testkit_probe.control");
        assertThat(probe.filesDifferingFrom(extensionDir)).as("nothing installed yet").isEqualTo(probe.fileNames());

        probe.copyTo(ExtensionBundle.into(extensionDir));
        assertThat(probe.filesDifferingFrom(extensionDir)).isEmpty();

        Files.writeString(extensionDir.resolve("mtcp_testkit_probe--1.0.sql"), "-- an older script\n");
        assertThat(probe.filesDifferingFrom(extensionDir)).containsExactly("mtcp_testkit_probe--1.0.sql");
    }
}
