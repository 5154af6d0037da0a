package org.mtcp.testkit;

import java.io.IOException;
import org.mtcp.core.MtcpServerConnection;

/** An application run once per accepted connection by {@link LoopbackPool#serve}. */
@FunctionalInterface
public interface ServerApp {
    void serve(MtcpServerConnection connection) throws IOException;
}
