package org.mtcp.webapp.demo;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.ServerOptions;
import org.mtcp.core.tls.FileWatcher;
import org.mtcp.core.tls.LocalCa;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.core.tls.TlsFiles;

/**
 * The TLS of the demo's links (browser to proxy stays plain HTTP on loopback; proxy to
 * front-ends, front-end to front-end and the demo's own calls are M-TCP links): a throwaway CA
 * made at start-up in memory (the default), the operator's files, or plaintext.
 */
public sealed interface DemoTls {

    /** A CA and one certificate per front-end, made at start-up, held in memory only, gone at exit. */
    record Throwaway() implements DemoTls {}

    /**
     * The operator's files: one key for every front-end (the demo runs them in one process), so
     * its certificate must name each of them (fe1, fe2, ...: the control plane's naming rule) and
     * 127.0.0.1; the trust anchors check them.
     */
    record Files(TlsFiles files) implements DemoTls {
        public Files {
            Objects.requireNonNull(files, "files");
            if (!files.hasIdentity()) {
                throw new IllegalArgumentException("the demo's front-ends need a key: --tls-cert/--tls-key or --tls-keystore");
            }
        }
    }

    /** No TLS (--plaintext). */
    record Plaintext() implements DemoTls {}

    static DemoTls throwaway() {
        return new Throwaway();
    }

    /** The links of a running demo, by front-end name. */
    final class Links implements AutoCloseable {
        private static final char[] IN_MEMORY = "demo-in-memory".toCharArray();

        private final Map<String, TlsConfig> servers;
        private final TlsConfig client;
        private final String description;
        private final FileWatcher watcher;

        private Links(Map<String, TlsConfig> servers, TlsConfig client, String description, FileWatcher watcher) {
            this.servers = servers;
            this.client = client;
            this.description = description;
            this.watcher = watcher;
        }

        /** Makes or loads the keys of the front-ends {@code names}. */
        static Links open(DemoTls tls, List<String> names) throws IOException {
            return switch (tls) {
                case Plaintext p -> new Links(Map.of(), null, "links PLAINTEXT (--plaintext): not encrypted", null);
                case Throwaway t -> {
                    LocalCa ca = LocalCa.create("mtcp demo CA (throwaway)", Duration.ofDays(1));
                    Map<String, TlsConfig> servers = new LinkedHashMap<>();
                    try {
                        for (String name : names) {
                            LocalCa.Leaf leaf = ca.issue(name, List.of(name, "localhost", "127.0.0.1"), Duration.ofDays(1));
                            servers.put(name, TlsConfig.of(leaf.keyStore(IN_MEMORY), IN_MEMORY, ca.trustStore()));
                        }
                        yield new Links(servers, TlsConfig.of(null, null, ca.trustStore()),
                                "links TLS 1.3 with a throwaway CA made at start-up (in memory only, never written; "
                                        + "--tls-* flags for your own keys)", null);
                    } catch (GeneralSecurityException e) {
                        throw new IOException("cannot build the demo's TLS keys: " + e.getMessage(), e);
                    }
                }
                case Files f -> {
                    TlsConfig server = TlsConfig.load(f.files());
                    X509Certificate certificate = server.certificate().orElseThrow();
                    for (String name : names) {
                        if (!names(certificate, name)) {
                            throw new IllegalArgumentException("the demo's TLS certificate (" + certificate.getSubjectX500Principal()
                                    .getName() + ") does not name front-end " + name + ": one key serves every front-end, so "
                                    + "it needs the DNS names " + String.join(", ", names) + " (./mtcp certs issue "
                                    + names.get(0) + " --hosts " + String.join(",", names.subList(1, names.size())) + ")");
                        }
                    }
                    TlsConfig client = TlsConfig.load(TlsFiles.trustOnly(f.files().trust()).withTrustPassword(f.files().trustPassword()));
                    FileWatcher watcher = FileWatcher.start("demo-tls-files", FileWatcher.KEY_FILES_INTERVAL);
                    server.watch(watcher);
                    client.watch(watcher);
                    Map<String, TlsConfig> servers = new LinkedHashMap<>();
                    names.forEach(n -> servers.put(n, server));
                    yield new Links(servers, client, "links TLS 1.3 with " + f.files().paths() + ", certificate "
                            + server.certificate().map(c -> c.getSubjectX500Principal().getName() + " expires "
                                    + c.getNotAfter().toInstant()).orElse("?") + " (reloaded when the files change)", watcher);
                }
            };
        }

        /** The control plane's naming rule (docs/protocol.md, section 4): a DNS SAN, or else the CN, equal to {@code name}, ignoring case. */
        private static boolean names(X509Certificate certificate, String name) {
            try {
                if (certificate.getSubjectAlternativeNames() != null) {
                    for (List<?> san : certificate.getSubjectAlternativeNames()) {
                        if (Integer.valueOf(2).equals(san.get(0)) && name.equalsIgnoreCase(String.valueOf(san.get(1)))) {
                            return true;
                        }
                    }
                }
            } catch (java.security.cert.CertificateParsingException e) {
                // unreadable SANs: fall back to the CN, as the rule does
            }
            return certificate.getSubjectX500Principal().getName().equalsIgnoreCase("CN=" + name);
        }

        ServerOptions server(String name, ServerOptions options) {
            if (client == null) {
                return options.withPlaintext();
            }
            TlsConfig config = servers.get(name);
            if (config == null) {
                throw new IllegalArgumentException("no TLS key for front-end " + name);
            }
            return options.withTls(config);
        }

        ClientOptions client(ClientOptions options) {
            return client == null ? options.withPlaintext() : options.withTls(client);
        }

        /** One line for the start-up output. */
        String description() {
            return description;
        }

        @Override
        public void close() {
            if (watcher != null) {
                watcher.close();
            }
        }
    }
}
