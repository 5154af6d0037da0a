package org.mtcp.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import org.mtcp.core.MtcpServerConnection;

/**
 * A deterministic server application for stream tests: for every byte it reads it writes one
 * transformed byte, {@code out = in ^ acc} where {@code acc} is a running hash of everything read
 * before. Output position equals input position and each output byte depends on the whole input
 * prefix, so a byte lost, duplicated or misplaced anywhere corrupts everything after it.
 *
 * <p>Snapshot: {@code (position, acc)}, exported after a random number of bytes between 1 and a
 * gap chosen at random for each session (on every server, after every migration) among
 * {@code 1}, {@code 64}, {@code 4096} and {@code maxExportGap}: the transport must cope with any
 * export cadence and any export point. It resumes from the imported snapshot, reads the
 * replayed log, regenerates the output, and closes the connection after reading end-of-stream.
 *
 * <p>{@link #expected(byte[])} computes the output a client must receive for its input.
 */
public final class TransformApp implements ServerApp {

    private final int maxExportGap;
    private final int bufferSize;

    public TransformApp(int maxExportGap) {
        this(maxExportGap, 4096);
    }

    public TransformApp(int maxExportGap, int bufferSize) {
        this.maxExportGap = maxExportGap;
        this.bufferSize = bufferSize;
    }

    @Override
    public void serve(MtcpServerConnection c) throws IOException {
        byte[] snap = c.importState();
        long position = 0;
        int acc = 0;
        if (snap.length > 0) {
            ByteBuffer b = ByteBuffer.wrap(snap);
            position = b.getLong();
            acc = b.getInt();
        }
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int[] gaps = {1, 64, 4096, maxExportGap};
        int gap = gaps[random.nextInt(gaps.length)];
        long nextExport = position + 1 + random.nextInt(gap);
        byte[] buf = new byte[bufferSize];
        byte[] res = new byte[bufferSize];
        int n;
        while ((n = in.read(buf, 0, random.nextInt(1, buf.length + 1))) >= 0) {
            for (int i = 0; i < n; i++) {
                res[i] = (byte) (buf[i] ^ acc);
                acc = acc * 31 + buf[i];
            }
            out.write(res, 0, n);
            position += n;
            if (position >= nextExport) {
                c.exportState(ByteBuffer.allocate(12).putLong(position).putInt(acc).array());
                nextExport = position + 1 + random.nextInt(gap);
            }
        }
        c.close();
    }

    /** The bytes the app writes for {@code input}. */
    public static byte[] expected(byte[] input) {
        byte[] out = new byte[input.length];
        int acc = 0;
        for (int i = 0; i < input.length; i++) {
            out[i] = (byte) (input[i] ^ acc);
            acc = acc * 31 + input[i];
        }
        return out;
    }
}
