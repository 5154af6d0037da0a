/**
 * The migratory transport. Its API is {@code org.mtcp.core} (sockets, servers, pools, options),
 * {@code org.mtcp.core.policy} (when a connection moves) and {@code org.mtcp.core.transfer} (how
 * state moves); everything under {@code org.mtcp.core.internal} is implementation, exported to
 * no one. (The other modules run on the class path, where this declaration is not enforced:
 * mtcp-dist's ArchitectureTest checks the same boundary there.)
 */
module org.mtcp.core {
    requires org.slf4j;
    requires jdk.management; // FileDescriptors: the open-descriptor count of Unix JVMs
    requires org.bouncycastle.pkix;       // tls: PEM keys and certificates
    requires org.bouncycastle.provider;
    requires org.bouncycastle.util;

    exports org.mtcp.core;
    exports org.mtcp.core.policy;
    exports org.mtcp.core.transfer;
    exports org.mtcp.core.tls;
}
