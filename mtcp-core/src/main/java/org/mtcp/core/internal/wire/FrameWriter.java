package org.mtcp.core.internal.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Writes a sender's batch of encoded frames to an unbuffered socket stream in one write: a link
 * keeps no output buffer of its own (an idle link holds none), and a batch costs one copy only
 * when it has more than one frame.
 */
public final class FrameWriter {

    private FrameWriter() {}

    public static void write(OutputStream out, List<byte[]> frames) throws IOException {
        if (frames.size() == 1) {
            out.write(frames.get(0));
            return;
        }
        int total = 0;
        for (byte[] f : frames) {
            total += f.length;
        }
        byte[] batch = new byte[total];
        int at = 0;
        for (byte[] f : frames) {
            System.arraycopy(f, 0, batch, at, f.length);
            at += f.length;
        }
        out.write(batch);
    }
}
