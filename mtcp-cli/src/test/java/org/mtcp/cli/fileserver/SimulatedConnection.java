package org.mtcp.cli.fileserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.MigratedException;
import org.mtcp.core.MtcpServerConnection;

/**
 * An in-memory model of the transport contract (docs/protocol.md, section 5) for one holder of one connection,
 * driven synchronously: reads start at the previous holder's snapshot mark ({@code in.snap}) and
 * so replay what was consumed after it; writes start at {@code out.snap} and must regenerate,
 * byte for byte, what the client already received (the determinism check); the connection moves
 * away when the holder reaches a chosen write or read position, after which every operation
 * throws {@link MigratedException}. It lets a test migrate the file server at every single byte
 * without any network, independently of the real transport.
 */
final class SimulatedConnection implements MtcpServerConnection {

    /** The client's side: what it sends (all of it up front, then a half-close) and receives. */
    static final class Client {
        final byte[] sends;
        private byte[] received = new byte[4096];
        private int size;
        boolean closed;
        int maxSnapshot;

        Client(byte[] sends) {
            this.sends = sends.clone();
        }

        int size() {
            return size;
        }

        byte at(long i) {
            return received[(int) i];
        }

        void append(byte b) {
            if (size == received.length) {
                received = java.util.Arrays.copyOf(received, size * 2);
            }
            received[size++] = b;
        }

        byte[] received() {
            return java.util.Arrays.copyOf(received, size);
        }
    }

    /** One exportState call: the snapshot and the marks it was taken at. */
    record Export(byte[] snapshot, long consumed, long written) {}

    private static final ConnectionId ID = new ConnectionId(0x1234, 0x5678);

    private final Client client;
    private final long epoch;
    private final byte[] imported;
    private final long migrateAtWritten;
    private final long migrateAtConsumed;
    private final int readChunk;
    private long consumed;
    private long written;
    private boolean moved;
    private boolean closed;
    private Export lastExport;

    /**
     * @param previous the previous holder's last export, or null for a new connection
     * @param migrateAtWritten the connection moves away when the stream reaches this many bytes
     * @param migrateAtConsumed ... or when this holder tries to read at this inbound position
     * @param readChunk most bytes one read returns (1 cuts requests at every byte)
     */
    SimulatedConnection(Client client, long epoch, Export previous, long migrateAtWritten,
            long migrateAtConsumed, int readChunk) {
        this.client = client;
        this.epoch = epoch;
        this.imported = previous == null ? new byte[0] : previous.snapshot();
        this.consumed = previous == null ? 0 : previous.consumed();
        this.written = previous == null ? 0 : previous.written();
        this.migrateAtWritten = migrateAtWritten;
        this.migrateAtConsumed = migrateAtConsumed;
        this.readChunk = readChunk;
    }

    Export lastExport() {
        return lastExport;
    }

    boolean closed() {
        return closed;
    }

    private void check() throws MigratedException {
        if (moved) {
            throw new MigratedException(ID, epoch);
        }
    }

    private MigratedException move() {
        moved = true;
        return new MigratedException(ID, epoch);
    }

    @Override
    public ConnectionId id() {
        return ID;
    }

    @Override
    public long epoch() {
        return epoch;
    }

    @Override
    public boolean migrated() {
        return epoch > 0;
    }

    @Override
    public byte[] importState() throws IOException {
        check();
        return imported.clone();
    }

    @Override
    public void exportState(byte[] snapshot) throws IOException {
        check();
        client.maxSnapshot = Math.max(client.maxSnapshot, snapshot.length);
        lastExport = new Export(snapshot.clone(), consumed, written);
    }

    @Override
    public InputStream getInputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                check();
                if (consumed >= migrateAtConsumed) {
                    throw move();
                }
                if (consumed >= client.sends.length) {
                    return -1;
                }
                int n = (int) Math.min(Math.min(len, readChunk), client.sends.length - consumed);
                n = (int) Math.min(n, Math.max(1, migrateAtConsumed - consumed));
                System.arraycopy(client.sends, (int) consumed, b, off, n);
                consumed += n;
                return n;
            }
        };
    }

    @Override
    public OutputStream getOutputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                check();
                for (int i = 0; i < len; i++) {
                    if (written >= migrateAtWritten) {
                        throw move();
                    }
                    if (written < client.size()) {
                        if (client.at(written) != b[off + i]) {
                            throw new AssertionError("non-deterministic replay at stream offset " + written);
                        }
                    } else {
                        client.append(b[off + i]);
                    }
                    written++;
                }
            }
        };
    }

    @Override
    public void requestMigration(String target) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() throws IOException {
        check();
        if (written != client.size()) {
            throw new AssertionError("closed at " + written + " before regenerating the stream up to "
                    + client.size());
        }
        closed = true;
        client.closed = true;
    }
}
