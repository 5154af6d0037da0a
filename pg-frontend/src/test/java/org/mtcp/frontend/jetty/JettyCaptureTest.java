package org.mtcp.frontend.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.junit.jupiter.api.Test;
import org.mtcp.core.MtcpServerConnection;

class JettyCaptureTest {

    @Test
    void prints() throws Exception {
        LinkedBlockingQueue<MtcpServerConnection> q = new LinkedBlockingQueue<>();
        Server server = new Server(new VirtualThreadPool());
        HttpConfiguration config = new HttpConfiguration();
        config.setSendDateHeader(false);
        config.setSendServerVersion(false);
        config.setSendXPoweredBy(false);
        MtcpConnector connector = new MtcpConnector(server, new MtcpConnector.ConnectionSource() {
            public MtcpServerConnection accept() throws java.io.IOException {
                try {
                    return q.take();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            public InetSocketAddress address() {
                return new InetSocketAddress("127.0.0.1", 1);
            }
            public void close() {}
        }, new HttpConnectionFactory(config));
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String body = Request.asInputStream(request).readAllBytes().length + "";
                response.getHeaders().put("Content-Type", "application/x-ndjson");
                Callback.Completable c = new Callback.Completable();
                response.write(false, ByteBuffer.allocate(0), c);
                c.get();
                for (int i = 0; i < 3; i++) {
                    Callback.Completable c2 = new Callback.Completable();
                    response.write(false, ByteBuffer.wrap(("line " + i + " " + body + "\n").getBytes()), c2);
                    c2.get();
                }
                Callback.Completable c3 = new Callback.Completable();
                response.write(true, ByteBuffer.allocate(0), c3);
                c3.get();
                callback.succeeded();
                return true;
            }
        });
        server.start();
        try {
            FakeConnection conn = new FakeConnection();
            conn.feed("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /y HTTP/1.1\r\nHost: a\r\n\r\n".getBytes());
            q.add(conn);
            byte[] out = conn.awaitWritten(b -> new String(b, StandardCharsets.ISO_8859_1).endsWith("0\r\n\r\n"), 5000);
            System.out.println("[" + new String(out, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n\n") + "]");
            Thread.sleep(200);
            assertThat(conn.consumed()).isEqualTo("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc".length());
        } finally {
            server.stop();
        }
    }
}
