package org.mtcp.dist;

import org.mtcp.bench.cli.BenchCommand;
import org.mtcp.cli.Main;
import org.mtcp.frontend.cli.FrontendCommand;
import org.mtcp.webapp.demo.DemoCommand;

/**
 * Main class of {@code mtcp.jar}, what {@code ./mtcp} runs: the transport tools of
 * {@code mtcp-cli} ({@code file-server}, {@code proxy}, {@code get}, {@code certs}) plus the commands of the
 * modules that sit above it ({@code frontend}, {@code demo}, {@code bench}). It lives in a module
 * of its own so that no library depends on {@code mtcp-cli}: composing here keeps the module
 * graph free of cycles.
 */
public final class Mtcp {

    private Mtcp() {}

    public static void main(String[] args) {
        System.exit(Main.execute(args, new FrontendCommand(), new DemoCommand(), new BenchCommand()));
    }
}
