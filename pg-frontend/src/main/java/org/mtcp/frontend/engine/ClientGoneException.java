package org.mtcp.frontend.engine;

import java.io.IOException;

/** The client of a request closed its connection: nothing more is run or written for it (see {@link ClientGate}). */
public final class ClientGoneException extends IOException {
    public ClientGoneException(String message) {
        super(message);
    }
}
