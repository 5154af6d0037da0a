package org.mtcp.bench.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.mtcp.core.internal.ReadBuffer;
import org.mtcp.core.internal.stream.FrameCounters;
import org.mtcp.core.internal.stream.ReliableStream;
import org.mtcp.core.internal.stream.SendBatch;
import org.mtcp.core.internal.stream.SendCursor;
import org.mtcp.core.internal.wire.DataSink;
import org.mtcp.core.internal.wire.FrameDecoder;
import org.mtcp.core.internal.wire.FrameEncoder;
import org.mtcp.core.internal.wire.FrameReader;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.WireWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The transport's data path per DATA frame, both ends' real code without the socket and the
 * threads (issue 12: nothing allocated per frame or per byte; run with {@code -prof gc} and read
 * {@code gc.alloc.rate.norm}, bytes allocated per operation, i.e. per frame):
 *
 * <ul>
 * <li>{@code send}: the application writes {@code payload} bytes ({@code OutputStream.write}
 *     into the retention ring), the sender builds its batch (the DATA header in its send buffer,
 *     the payload left in the ring) and writes it to a (null) socket, the peer's acknowledgement
 *     frees the ring.</li>
 * <li>{@code receive}: a {@link FrameReader} reads the frame from a stream (as from the socket)
 *     and its decoder puts the payload into the inbound ring: the first piece from the read
 *     buffer ({@code acceptData}), the rest read from the stream straight into the ring's free
 *     tail ({@code readData}, as the links do), the
 *     application reads it ({@code InputStream.read}), the ACK policy writes an ACK when due.</li>
 * <li>{@code singleBytes}: {@code write(int)} then {@code read()} of one byte each.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class DataPathBenchmark {

    @Param({"65536"})
    int payload;

    private byte[] data;
    private byte[] readBuf;
    private Sender sender;
    private Receiver receiver;
    private Receiver loop;

    @Setup
    public void setup() throws IOException {
        data = new byte[payload];
        new Random(3).nextBytes(data);
        readBuf = new byte[payload];
        sender = new Sender(payload);
        receiver = new Receiver(data);
        loop = new Receiver(data);
    }

    @Benchmark
    public int send() throws IOException {
        return sender.sendOne(data);
    }

    @Benchmark
    public int receive() throws IOException {
        return receiver.receiveOne(readBuf);
    }

    @Benchmark
    public int singleBytes() throws IOException {
        loop.getOutputStream().write(7);
        return loop.loopBack();
    }

    /** One end's stream with the hooks of an open connection: never closed, never failing. */
    abstract static class Open extends ReliableStream {
        Open(int window) {
            super(FrameCounters.CLIENT, "bench peer", 4 * window, 0, new byte[0], Long.MAX_VALUE, 0, new byte[0],
                    4L * window, true);
            outbound.peer(window, Long.MAX_VALUE, false);
        }

        @Override
        protected void checkReadable() {
        }

        @Override
        protected boolean inputEnded() {
            return false;
        }

        @Override
        protected void checkWritable() {
        }

        @Override
        protected void checkUsable() {
        }

        @Override
        protected void closeByApplication() {
        }
    }

    /** The sending end: application writes, the sender thread's send buffer, the peer's ACKs. */
    static final class Sender extends Open {
        private final SendCursor cursor = new SendCursor(0);
        private final SendBatch sendBuffer = new SendBatch();
        private final OutputStream socket = OutputStream.nullOutputStream();

        Sender(int window) {
            super(window);
        }

        int sendOne(byte[] data) throws IOException {
            getOutputStream().write(data, 0, data.length);
            guard.lock();
            try {
                sendBuffer.clear();
                writeData(cursor, sendBuffer);
            } finally {
                guard.unlock();
            }
            int n = sendBuffer.size();
            sendBuffer.writeTo(socket); // header, then the payload straight from the ring
            guard.lock();
            try {
                outbound.acknowledged(cursor.position()); // what the peer's ACK does
            } finally {
                guard.unlock();
            }
            return n;
        }
    }

    /** The receiving end: the link's reader and decoder, the application's reads, the ACKs out. */
    static final class Receiver extends Open {
        private final FrameDecoder decoder;
        private final ReadBuffer readBuffer = new ReadBuffer(FrameReader.READ_BUFFER);
        private final SendBatch sendBuffer = new SendBatch();
        private final byte[] frame;
        private long offset;
        private final InputStream socket;

        Receiver(byte[] payload) {
            super(payload.length);
            WireWriter w = new WireWriter(payload.length + 64);
            int at = FrameEncoder.dataInto(w, 0, payload.length);
            System.arraycopy(payload, 0, w.array(), at, payload.length);
            frame = w.toByteArray();
            // The "socket": the same frame over and over, each at the next offset.
            socket = new InputStream() {
                private int pos = frame.length;

                @Override
                public int read() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    if (pos == frame.length) {
                        long o = offset;
                        for (int i = 0; i < 8; i++) {
                            frame[5 + i] = (byte) (o >>> (56 - 8 * i));
                        }
                        offset += payload.length;
                        pos = 0;
                    }
                    int n = Math.min(len, frame.length - pos);
                    System.arraycopy(frame, pos, b, off, n);
                    pos += n;
                    return n;
                }
            };
            decoder = new FrameDecoder(payload.length);
            decoder.dataSink(new DataSink() {
                @Override
                public void data(long frameOffset, int frameLength, int pos, byte[] src, int off, int len)
                        throws ProtocolException {
                    onData(frameOffset, frameLength, pos, src, off, len);
                }

                /** As the links do: the rest of a payload straight from the "socket" into the ring. */
                @Override
                public int readDirect(long frameOffset, int frameLength, int pos, int max, InputStream in)
                        throws IOException {
                    return readData(frameOffset, frameLength, pos, max, in, this);
                }
            });
        }

        private void onData(long frameOffset, int frameLength, int pos, byte[] src, int off, int len)
                throws ProtocolException {
            guard.lock();
            try {
                acceptData(frameOffset, frameLength, pos, src, off, len, System.nanoTime());
            } finally {
                guard.unlock();
            }
        }

        int receiveOne(byte[] into) throws IOException {
            long target = offset; // the frame the socket hands out next ends here plus one payload
            int got = 0;
            while (got < into.length) {
                if (getInputStream().available() == 0) {
                    pump(target + into.length);
                }
                got += getInputStream().read(into, got, into.length - got);
            }
            ack();
            return got;
        }

        /**
         * Reads from the "socket" and decodes until the inbound stream reaches {@code end}, as the
         * link's {@link FrameReader} does (one message at a time; DATA goes to the sink).
         */
        private void pump(long end) throws IOException {
            while (inboundEnd() < end) {
                if (decoder.readDirect(socket) > 0) {
                    continue; // the rest of a payload went straight into the inbound ring
                }
                int n = readBuffer.readFrom(socket);
                for (int at = 0; at < n; ) {
                    at += decoder.feedSome(readBuffer.array(), at, n - at);
                    if (decoder.poll() != null) {
                        throw new IllegalStateException("only DATA comes here");
                    }
                }
            }
        }

        private long inboundEnd() {
            guard.lock();
            try {
                return inbound.received();
            } finally {
                guard.unlock();
            }
        }

        private void ack() {
            guard.lock();
            try {
                sendBuffer.clear();
                writeAck(sendBuffer, System.nanoTime(), 0);
            } finally {
                guard.unlock();
            }
        }

        /** Moves the byte just written to the inbound side through the codec path's ring and reads it. */
        int loopBack() throws IOException {
            guard.lock();
            try {
                long at = outbound.end() - 1;
                outbound.acknowledged(outbound.end());
                singleByte[0] = (byte) 7;
                acceptData(at, 1, 0, singleByte, 0, 1, 0);
            } finally {
                guard.unlock();
            }
            return getInputStream().read();
        }

        private final byte[] singleByte = new byte[1];
    }
}
