package org.mtcp.bench.frontend;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.PoolConfig;
import org.mtcp.core.ServerOptions;
import org.mtcp.frontend.FrontendConfig;
import org.mtcp.frontend.FrontendServer;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;
import org.mtcp.webapp.BankOperations;

/**
 * The process {@code bench idle} measures: a front-end ({@code frontend POOL NAME JDBC_URL
 * IDLE_TIMEOUT_S MAX_CONNECTIONS}) or a proxy ({@code proxy HOST:PORT MAX_CONNECTIONS}), in a JVM
 * of its own so that its heap and CPU are its own. Prints {@code READY port} once serving, then
 * answers each {@code measure} line on stdin with {@code MEASURE heapUsedAfterFullGc
 * processCpuNanos threads}, and each {@code cpu} line with {@code CPU processCpuNanos}; ends at {@code quit} or the end of stdin.
 */
public final class IdleTarget {

    private IdleTarget() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "error");
        AutoCloseable target;
        int port;
        switch (args[0]) {
            case "frontend" -> {
                MtcpServer server = MtcpServer.start(PoolConfig.load(Path.of(args[1])), args[2],
                        ServerOptions.defaults().withMaxConnections(Integer.parseInt(args[5])).withPlaintext());
                FrontendConfig config = FrontendConfig.defaults(null, args[2], args[3])
                        .withDbPoolSize(4)
                        .withAppSchemas(List.of(BankOperations.SCHEMA))
                        .withIdleTimeout(Duration.ofSeconds(Long.parseLong(args[4])));
                FrontendServer fe = FrontendServer.start(config, BankOperations.registry(), server);
                port = server.serviceAddress().getPort();
                target = () -> {
                    fe.close();
                    server.close();
                };
            }
            case "proxy" -> {
                String[] hp = args[1].split(":");
                ProxySettings settings = new ProxySettings(List.of(new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))),
                        ClientOptions.defaults().withPlaintext(), ProxySettings.DEFAULT_BUFFER_SIZE,
                        Integer.parseInt(args[2]));
                MigratoryProxy proxy = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0), settings,
                        EventLog.discard());
                proxy.serveInBackground();
                port = proxy.localAddress().getPort();
                target = proxy;
            }
            default -> throw new IllegalArgumentException("frontend or proxy, not " + args[0]);
        }
        System.out.println("READY " + port);
        System.out.flush();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (target; BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null && !line.equals("quit")) {
                if (line.equals("measure")) {
                    System.gc(); // a full collection with the default G1 (ExplicitGCInvokesConcurrent is off)
                    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    System.out.println("MEASURE " + heap + " " + os.getProcessCpuTime() + " "
                            + ManagementFactory.getThreadMXBean().getThreadCount());
                    System.out.flush();
                } else if (line.equals("cpu")) {
                    System.out.println("CPU " + os.getProcessCpuTime());
                    System.out.flush();
                }
            }
        }
    }
}
