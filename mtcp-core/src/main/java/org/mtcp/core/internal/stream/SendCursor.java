package org.mtcp.core.internal.stream;

/**
 * What one link has sent of the stream: its position and whether FIN and CLOSE went out. Owned
 * by the link's sender thread (set before the thread starts, then touched by it alone), so it
 * needs no lock of its own and is never shared with another link.
 */
public final class SendCursor {

    long position;
    boolean finSent;
    boolean closeSent;

    /** A cursor starting at {@code position}: the peer has every byte below it. */
    public SendCursor(long position) {
        this.position = position;
    }

    public long position() {
        return position;
    }

    public boolean finSent() {
        return finSent;
    }

    public boolean closeSent() {
        return closeSent;
    }

    public void closeSent(boolean v) {
        closeSent = v;
    }
}
