package org.mtcp.webapp.demo;

import java.util.Locale;

/**
 * Where one of the demo's front-ends is, as the page's <em>Restart</em> button moves it through a
 * rolling-deploy step ({@link FrontendRestarts}): serving, then draining (its clients move to
 * peers), then starting again on the same ports, then serving. The <em>Kill</em> button crashes
 * it instead: {@link #KILLED}, then starting again after a while (or at <em>Restart</em>). A start
 * that fails leaves it {@link #FAILED} (stopped) until the next <em>Restart</em> tries the start again.
 */
public enum FrontendPhase {
    /** Running and accepting clients. */
    SERVING,
    /** Refusing new clients while the ones it holds move to its peers; then it stops. */
    DRAINING,
    /** Stopped and being started again on the same service and control ports. */
    STARTING,
    /** The start after a drain failed (a port not free yet, the database gone): stopped. */
    FAILED,
    /**
     * Crashed by the page's <em>Kill</em>: its M-TCP server's sockets cut without a goodbye, its
     * database sessions terminated. It starts again by itself after a while, or at <em>Restart</em>.
     */
    KILLED;

    /** A restart is under way: a second one is refused. */
    public boolean restarting() {
        return this == DRAINING || this == STARTING;
    }

    /** Not serving, and coming back by itself: restarting, or killed (it starts again after a while). */
    public boolean comingBack() {
        return restarting() || this == KILLED;
    }

    /** The name the page and the demo's output use: {@code "draining"}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
