package org.mtcp.core.internal;

/** Thread creation in one place: every transport thread is a named virtual thread. */
public final class Threads {
    private Threads() {}

    public static Thread start(String name, Runnable task) {
        return Thread.ofVirtual().name(name).start(task);
    }
}
