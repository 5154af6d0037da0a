package org.mtcp.core.internal.client;

import java.io.IOException;
import java.net.Socket;
import org.mtcp.core.internal.wire.Frame;

/**
 * The HELLO for a link, made once the link is ready to carry it (connected and, on a TLS link,
 * its handshake done) and before it is written: a HELLO{migrate}'s proof is bound to the link it
 * goes out on (docs/protocol.md, section 3), so it can only be signed then. No round trip is
 * added: the HELLO still leaves as soon as the link is ready.
 */
@FunctionalInterface
interface LinkHello {

    Frame.Hello on(Socket link) throws IOException;

    /** A HELLO that does not depend on its link (HELLO{new}, HELLO{standby}). */
    static LinkHello fixed(Frame.Hello hello) {
        return link -> hello;
    }
}
