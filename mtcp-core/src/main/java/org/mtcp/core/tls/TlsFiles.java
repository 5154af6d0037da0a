package org.mtcp.core.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where one side's TLS key material lives: its identity, either a PEM certificate chain and a
 * PEM private key or a PKCS#12 (or JKS) key store, or none (a client without a certificate); and
 * its trust anchors, a PEM bundle or a PKCS#12/JKS trust store. {@link TlsConfig#load} reads them;
 * a loaded configuration re-reads them on {@link TlsConfig#reload()} or when a {@link FileWatcher}
 * sees them change.
 *
 * @param certificateChain PEM: the certificate first, then its intermediates (null unless PEM)
 * @param privateKey PEM: PKCS#8, PKCS#1 RSA, SEC1 EC or encrypted PKCS#8 (null unless PEM)
 * @param keyStore a PKCS#12 or JKS key store with one key entry (null unless a key store)
 * @param password the encrypted key's or the key store's password
 * @param trust the trust anchors: a PEM bundle or a PKCS#12/JKS trust store
 * @param trustPassword the trust store's password (PEM bundles and unprotected stores need none)
 */
public record TlsFiles(Path certificateChain, Path privateKey, Path keyStore, Password password, Path trust,
        Password trustPassword) {

    public TlsFiles {
        Objects.requireNonNull(trust, "trust");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(trustPassword, "trustPassword");
        if ((certificateChain == null) != (privateKey == null)) {
            throw new IllegalArgumentException("a PEM identity needs both the certificate chain and the private key");
        }
        if (certificateChain != null && keyStore != null) {
            throw new IllegalArgumentException("an identity is either PEM files or a key store, not both");
        }
    }

    /** A PEM identity ({@code key} encrypted when {@code keyPassword} is not {@link Password#none()}). */
    public static TlsFiles pem(Path certificateChain, Path key, Password keyPassword, Path trust) {
        return new TlsFiles(certificateChain, key, null, keyPassword, trust, Password.none());
    }

    /** A PKCS#12 (or JKS) identity. */
    public static TlsFiles keyStore(Path keyStore, Password password, Path trust) {
        return new TlsFiles(null, null, keyStore, password, trust, Password.none());
    }

    /** No identity: a client that only checks the servers. */
    public static TlsFiles trustOnly(Path trust) {
        return new TlsFiles(null, null, null, Password.none(), trust, Password.none());
    }

    /** These files with a password for the trust store. */
    public TlsFiles withTrustPassword(Password p) {
        return new TlsFiles(certificateChain, privateKey, keyStore, password, trust, p);
    }

    public boolean hasIdentity() {
        return certificateChain != null || keyStore != null;
    }

    /** Every file read (what a {@link FileWatcher} watches), password files included. */
    public List<Path> paths() {
        List<Path> all = new ArrayList<>();
        for (Path p : new Path[] {certificateChain, privateKey, keyStore, trust}) {
            if (p != null && !all.contains(p)) {
                all.add(p);
            }
        }
        for (Password p : List.of(password, trustPassword)) {
            if (p.file() != null && !all.contains(p.file())) {
                all.add(p.file());
            }
        }
        return List.copyOf(all);
    }

    /**
     * Where a password comes from: nowhere, the command line or a program ({@link #of}), a file
     * (read on every load, so it can change with the key), or an environment variable. Never printed.
     */
    public static final class Password {
        private static final Password NONE = new Password(null, null, null);

        private final char[] value;
        private final Path file;
        private final String environment;

        private Password(char[] value, Path file, String environment) {
            this.value = value;
            this.file = file;
            this.environment = environment;
        }

        public static Password none() {
            return NONE;
        }

        public static Password of(char[] value) {
            return new Password(value.clone(), null, null);
        }

        /** The file's content minus one trailing newline. */
        public static Password file(Path file) {
            return new Password(null, Objects.requireNonNull(file, "file"), null);
        }

        public static Password environment(String variable) {
            return new Password(null, null, Objects.requireNonNull(variable, "variable"));
        }

        Path file() {
            return file;
        }

        boolean isNone() {
            return this == NONE;
        }

        /** The password of {@code forFile}, or null for {@link #none()}; errors name {@code forFile}. */
        char[] read(Path forFile) throws IOException {
            if (value != null) {
                return value.clone();
            }
            if (file != null) {
                String s;
                try {
                    s = Files.readString(file, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new TlsFileException(forFile, "cannot read its password file " + file + ": " + e.getMessage(), e);
                }
                if (s.endsWith("\n")) {
                    s = s.substring(0, s.length() - (s.endsWith("\r\n") ? 2 : 1));
                }
                return s.toCharArray();
            }
            if (environment != null) {
                String s = System.getenv(environment);
                if (s == null) {
                    throw new TlsFileException(forFile, "its password variable " + environment + " is not set");
                }
                return s.toCharArray();
            }
            return null;
        }

        @Override
        public String toString() {
            return value != null ? "password(given)" : file != null ? "password(file " + file + ")"
                    : environment != null ? "password(env " + environment + ")" : "no password";
        }
    }
}
