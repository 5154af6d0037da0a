package org.mtcp.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mtcp.core.tls.FileWatcher;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.proxy.EventLog;

/**
 * What a running command reloads without restarting: its TLS files whenever they change (a
 * {@link FileWatcher} polling them) and, with everything else it registers (the proxy's pool
 * file), on SIGHUP. One SIGHUP handler per process runs every registered action in order.
 */
final class KeyReloads implements java.io.Closeable {

    private record Action(String what, Runnable run) {}

    private final EventLog events;
    private final List<Action> onSighup = new ArrayList<>();
    private FileWatcher watcher;

    KeyReloads(EventLog events) {
        this.events = events;
    }

    /** Watches {@code tls}'s files (a no-op for plaintext) and reloads them on SIGHUP too. */
    KeyReloads tls(Optional<TlsConfig> tls) {
        if (tls.isEmpty()) {
            return this;
        }
        TlsConfig config = tls.get();
        if (watcher == null) {
            watcher = FileWatcher.start("tls-files", FileWatcher.KEY_FILES_INTERVAL);
        }
        config.watch(watcher);   // reloads on change, logging each reload (or why it failed) itself
        onSighup.add(new Action("TLS key reload", () -> {
            try {
                config.reload();
                events.log("tls reloaded: " + TlsOptions.describe(tls));
            } catch (IOException | RuntimeException e) {
                // the keys in use stay; say why on the event log as well as in the diagnostics
                events.log("tls reload failed, keeping " + TlsOptions.describe(tls) + ": " + e.getMessage());
            }
        }));
        return this;
    }

    /** Runs {@code action} on SIGHUP as well. */
    KeyReloads onSighup(String what, Runnable action) {
        onSighup.add(new Action(what, action));
        return this;
    }

    /** Installs the SIGHUP handler (where the platform has one); says so when it cannot. */
    void install() {
        if (onSighup.isEmpty()) {
            return;
        }
        String what = String.join(" and ", onSighup.stream().map(Action::what).toList());
        try {
            sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                for (Action a : onSighup) {
                    a.run().run();
                }
            });
            if (previous == sun.misc.SignalHandler.SIG_IGN) {
                // Started with SIGHUP ignored (nohup): the JVM keeps it ignored and says nothing.
                events.log(what + " on SIGHUP unavailable: this process was started with SIGHUP ignored"
                        + " (nohup?); start it without nohup to reload on SIGHUP");
            }
        } catch (IllegalArgumentException e) {
            // No SIGHUP here (Windows) or the JVM reserved it (-Xrs): reloading on a signal is unavailable.
            events.log(what + " on SIGHUP unavailable: " + e.getMessage());
        }
    }

    /** Stops watching the files (the process is stopping). */
    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
    }
}
