package org.mtcp.core.internal.wire;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The framing state machine shared by the service protocol and the control plane:
 * {@code u32 length | u8 type | body}, big-endian, where {@code length} counts the type byte and
 * the body. Bytes may arrive split anywhere; {@link #feed} consumes whatever it is given and
 * queues every complete message for {@link #poll}.
 *
 * <p>It never trusts a length: the declared length is checked against an overall bound as soon
 * as its four bytes are in, and against the type's own bounds as soon as the type byte is in,
 * before anything is buffered; the body buffer then grows with the bytes that actually arrive,
 * so a peer that announces a large frame and sends nothing costs nothing. Every failure is a
 * {@link ProtocolException}; after one, the decoder stays failed.
 *
 * @param <T> the decoded message type
 */
public abstract class LengthPrefixedDecoder<T> {

    private enum State { LENGTH, TYPE, BODY, STREAM, FAILED }

    /** First allocation for a body; it doubles as bytes arrive, up to the declared length. */
    private static final int INITIAL_BODY_BUFFER = 4096;

    private final int maxLength;
    private final ArrayDeque<T> decoded = new ArrayDeque<>();
    private State state = State.LENGTH;
    private int lengthBytesSeen;
    private long length;
    private int typeCode;
    private byte[] body;
    private int bodyLength;
    private int bodyFill;
    private ProtocolException failure;

    /** @param maxLength largest {@code length} field accepted (type byte plus body) */
    protected LengthPrefixedDecoder(int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength " + maxLength);
        }
        this.maxLength = maxLength;
    }

    /**
     * Checks a frame's type and body length before its body is read. Throws when the type is
     * unknown or the length is out of that type's bounds.
     */
    protected abstract void checkHeader(int typeCode, int bodyLength) throws ProtocolException;

    /** Parses one complete body; must consume it exactly. */
    protected abstract T parseBody(int typeCode, byte[] body) throws ProtocolException;

    /**
     * Whether the body of a frame of this type is handed over piece by piece as it arrives
     * ({@link #streamBody}) instead of being buffered and parsed whole: the receive path of bulk
     * data, which copies the payload once, straight to where it belongs. Asked after {@link
     * #checkHeader} accepted the header. None by default.
     */
    protected boolean streams(int typeCode, int bodyLength) {
        return false;
    }

    /**
     * The next {@code len} bytes of a streamed body, which start {@code bodyPos} bytes into it
     * ({@code len} may be 0 only for an empty body). The bytes are valid during the call only.
     */
    protected void streamBody(int typeCode, int bodyLength, int bodyPos, byte[] in, int off, int len)
            throws ProtocolException {
        throw new IllegalStateException("no streamed body type");
    }

    /**
     * Lets a streamed body's consumer read its next bytes straight from {@code in} when nothing is
     * buffered ({@link FrameReader}); returns what the read returned, or {@link DataSink#NOT_DIRECT}
     * when the decoder did not read (the caller reads into its buffer and feeds it). None by default.
     */
    public int readDirect(java.io.InputStream in) throws java.io.IOException {
        return DataSink.NOT_DIRECT;
    }

    /** Bytes of the streamed body still to come (0: no body is being streamed). */
    protected final int streamRemaining() {
        return state == State.STREAM ? bodyLength - bodyFill : 0;
    }

    /** How far into the streamed body the decoder is. */
    protected final int streamPosition() {
        return bodyFill;
    }

    /** The consumer took {@code n} more bytes of the streamed body straight from the input. */
    protected final void streamedDirectly(int n) {
        bodyFill += n;
        if (bodyFill == bodyLength) {
            nextFrame();
        }
    }

    /** A direct read failed the stream: the decoder stays failed, as after {@link #feedSome}. */
    protected final void failed(ProtocolException e) {
        state = State.FAILED;
        failure = e;
        body = null;
    }

    /** Consumes {@code len} bytes; complete messages become available from {@link #poll}. */
    public final void feed(byte[] in, int off, int len) throws ProtocolException {
        int done = 0;
        while (done < len) {
            done += feedSome(in, off + done, len - done);
        }
    }

    /**
     * Consumes bytes up to the end of the first message it completes (which {@link #poll} then
     * returns), or all {@code len} of them; returns how many it consumed. A reader that polls
     * between calls sees every message, streamed bodies included, in the order they arrived.
     */
    public final int feedSome(byte[] in, int off, int len) throws ProtocolException {
        if (state == State.FAILED) {
            throw new ProtocolException("decoder already failed: " + failure.getMessage());
        }
        try {
            int i = off;
            int end = off + len;
            int queued = decoded.size();
            while (i < end && decoded.size() == queued) {
                switch (state) {
                    case LENGTH -> {
                        length = (length << 8) | (in[i++] & 0xFF);
                        if (++lengthBytesSeen == Wire.LENGTH_BYTES) {
                            if (length < 1) {
                                throw new ProtocolException("frame length 0: no type byte");
                            }
                            if (length > maxLength) {
                                throw new ProtocolException("frame length " + length
                                        + " exceeds the limit of " + maxLength + " bytes");
                            }
                            state = State.TYPE;
                        }
                    }
                    case TYPE -> {
                        typeCode = in[i++] & 0xFF;
                        bodyLength = (int) length - 1;
                        checkHeader(typeCode, bodyLength);
                        if (streams(typeCode, bodyLength)) {
                            bodyFill = 0;
                            state = State.STREAM;
                            if (bodyLength == 0) {
                                streamBody(typeCode, 0, 0, in, i, 0);
                                nextFrame();
                            }
                        } else if (bodyLength == 0) {
                            complete(new byte[0]);
                        } else {
                            body = new byte[Math.min(bodyLength, INITIAL_BODY_BUFFER)];
                            bodyFill = 0;
                            state = State.BODY;
                        }
                    }
                    case BODY -> {
                        int n = Math.min(end - i, bodyLength - bodyFill);
                        if (bodyFill + n > body.length) {
                            body = Arrays.copyOf(body,
                                    (int) Math.min(bodyLength, Math.max(bodyFill + n, 2L * body.length)));
                        }
                        System.arraycopy(in, i, body, bodyFill, n);
                        bodyFill += n;
                        i += n;
                        if (bodyFill == bodyLength) {
                            byte[] b = body;
                            body = null;
                            complete(b);
                        }
                    }
                    case STREAM -> {
                        int n = Math.min(end - i, bodyLength - bodyFill);
                        streamBody(typeCode, bodyLength, bodyFill, in, i, n);
                        bodyFill += n;
                        i += n;
                        if (bodyFill == bodyLength) {
                            nextFrame();
                        }
                    }
                    case FAILED -> throw new IllegalStateException("unreachable");
                }
            }
            return i - off;
        } catch (ProtocolException e) {
            state = State.FAILED;
            failure = e;
            body = null;
            throw e;
        }
    }

    private void complete(byte[] b) throws ProtocolException {
        decoded.add(parseBody(typeCode, b));
        nextFrame();
    }

    private void nextFrame() {
        state = State.LENGTH;
        lengthBytesSeen = 0;
        length = 0;
    }

    /** The next decoded message, or null. */
    public final T poll() {
        return decoded.poll();
    }

    /** True when no partial frame is buffered (EOF here is a clean end of the stream). */
    public final boolean atFrameBoundary() {
        return state == State.LENGTH && lengthBytesSeen == 0;
    }

    /** Bytes of the frame being assembled that are buffered (for memory accounting in tests). */
    public final int bufferedBytes() {
        return body == null ? 0 : body.length;
    }
}
