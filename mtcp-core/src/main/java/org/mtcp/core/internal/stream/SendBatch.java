package org.mtcp.core.internal.stream;

import java.io.IOException;
import java.io.OutputStream;
import org.mtcp.core.internal.wire.WireWriter;

/**
 * What a link's sender writes to its socket next: encoded frames (control frames, small DATA
 * frames, the header of a large one) and at most one large DATA payload left where it is, in the
 * retention ring, and written to the socket from there: its only copy on the way out. Frames
 * added after the payload go after it on the wire ({@link #frames()} switches to a trailer), so
 * the order of the frames is the order they were added. Owned by the sender thread and reused
 * for every write.
 *
 * <p>Writing the payload outside the stream's lock is safe: the ring's bytes from the link's
 * cursor on stay in place until acknowledged (a trim only moves the ring's head; a growth copies
 * to a new array and leaves the old one intact), and bytes acknowledged meanwhile are bytes the
 * peer has, which it drops as duplicates whatever they read.
 */
public final class SendBatch {

    /** Payloads up to this size are copied behind their header (one write for the batch). */
    static final int COPY_BELOW = 16 * 1024;

    private final WireWriter frames = new WireWriter(256);
    private final WireWriter trailer = new WireWriter(64);
    private byte[] data;
    private int pos1;
    private int len1;
    private int pos2;
    private int len2;

    /** Where the next frame goes: before the payload while there is none, after it once there is. */
    public WireWriter frames() {
        return data == null ? frames : trailer;
    }

    public boolean isEmpty() {
        return frames.size() == 0 && data == null;
    }

    public void clear() {
        frames.clear();
        trailer.clear();
        data = null;
        len1 = 0;
        len2 = 0;
    }

    boolean hasPayload() {
        return data != null;
    }

    /** The payload: {@code len1} bytes at {@code pos1} of {@code ring}, then {@code len2} at {@code pos2}. */
    void payload(byte[] ring, int pos1, int len1, int pos2, int len2) {
        this.data = ring;
        this.pos1 = pos1;
        this.len1 = len1;
        this.pos2 = pos2;
        this.len2 = len2;
    }

    /** Bytes the batch holds (frames and payload). */
    public int size() {
        return frames.size() + len1 + len2 + trailer.size();
    }

    /** Writes the batch: the frames, then the payload straight from the ring. */
    public void writeTo(OutputStream out) throws IOException {
        if (frames.size() > 0) {
            out.write(frames.array(), 0, frames.size());
        }
        if (data != null) {
            out.write(data, pos1, len1);
            if (len2 > 0) {
                out.write(data, pos2, len2);
            }
            data = null; // do not keep a ring the stream may have replaced
        }
        if (trailer.size() > 0) {
            out.write(trailer.array(), 0, trailer.size());
        }
    }

    /** Gives back a grown frame buffer (the link went idle). */
    public void release() {
        frames.release();
    }
}
