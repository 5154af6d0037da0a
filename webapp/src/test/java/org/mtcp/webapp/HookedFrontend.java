package org.mtcp.webapp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.frontend.FrontendServer;
import org.mtcp.frontend.cli.FrontendCommand;
import org.mtcp.frontend.engine.BatchEngine;
import org.mtcp.frontend.engine.Hooks;
import picocli.CommandLine;

/**
 * {@code mtcp frontend} (the real {@link FrontendCommand}, same arguments) that a test can stop at
 * an exact engine point, so that a real signal lands there. The test writes commands to its
 * standard input, one a line:
 *
 * <ul>
 *   <li>{@code arm BATCH POINT SEQ}: the first time the engine reaches {@link Hooks.Point} POINT for
 *       transaction SEQ of batch BATCH, the serving thread prints {@code HOOK POINT batch=BATCH
 *       seq=SEQ} and blocks until {@code release} (the test kills or stops the process meanwhile);
 *       answered with {@code ARMED ...}. Several points may be armed at once (stop at transaction
 *       41, then again at 70, without racing the batch to arm the second);
 *   <li>{@code release}: the threads blocked at the points reached so far go on (an old holder
 *       continued after SIGSTOP); points not reached yet stay armed;
 *   <li>{@code disarm}: no test point (the engine runs as in production); blocked threads go on.
 * </ul>
 *
 * Unarmed, the engine has {@link Hooks#NONE}: the production path, stretches of transactions
 * included. The end of standard input (the test's JVM is gone) ends the process.
 */
public final class HookedFrontend {

    private HookedFrontend() {}

    public static void main(String[] args) {
        // Failed pushes to replicas, handshakes and takeovers are logged at debug: a kill test's
        // failure needs them in the output.
        for (String logger : new String[] {"ServerConnection", "Admission", "ServerEngine"}) {
            System.setProperty("org.slf4j.simpleLogger.log.org.mtcp.core.internal.server." + logger, "debug");
        }
        System.exit(new CommandLine(new FrontendCommand(HookedFrontend::control)).execute(args));
    }

    private static void control(FrontendServer server) {
        BatchEngine engine = server.engine();
        List<StopAt> armed = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon().name("hooked-frontend-control").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    String[] words = line.trim().split("\\s+");
                    switch (words[0]) {
                        case "arm" -> {
                            StopAt stop = new StopAt(words[1], Hooks.Point.valueOf(words[2]), Integer.parseInt(words[3]));
                            armed.add(stop);
                            engine.setHooks((point, frontend, batch, seq, connection) -> {
                                for (StopAt s : armed) {
                                    s.at(point, frontend, batch, seq, connection);
                                }
                            });
                            say("ARMED " + words[2] + " batch=" + words[1] + " seq=" + words[3]);
                        }
                        case "release" -> {
                            for (StopAt stop : armed) {
                                if (stop.reached.get()) {
                                    stop.release.countDown();
                                    armed.remove(stop);
                                }
                            }
                            say("RELEASED");
                        }
                        case "disarm" -> {
                            engine.setHooks(Hooks.NONE);
                            armed.forEach(stop -> stop.release.countDown());
                            armed.clear();
                            say("DISARMED");
                        }
                        default -> say("unknown command: " + line);
                    }
                }
            } catch (IOException | RuntimeException e) {
                say("control failed: " + e);
            }
            // The test that controlled this process is gone: nobody would ever stop it.
            System.exit(3);
        });
    }

    private static void say(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }

    /** Blocks the first arrival at (batch, point, seq) until released. */
    private static final class StopAt implements Hooks {
        final String batch;
        final Point point;
        final int seq;
        final AtomicBoolean reached = new AtomicBoolean();
        final CountDownLatch release = new CountDownLatch(1);

        StopAt(String batch, Point point, int seq) {
            this.batch = batch;
            this.point = point;
            this.seq = seq;
        }

        @Override
        public void at(Point at, String frontend, String batchId, int atSeq, MtcpServerConnection connection) {
            if (at != point || atSeq != seq || !batch.equals(batchId) || !reached.compareAndSet(false, true)) {
                return;
            }
            say("HOOK " + point + " batch=" + batch + " seq=" + seq);
            boolean interrupted = false;
            while (true) {
                try {
                    release.await();
                    break;
                } catch (InterruptedException e) {
                    // Held here on purpose until the test releases it; the interrupt is restored after.
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
