package org.mtcp.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mtcp.core.tls.LocalCa;
import org.mtcp.core.tls.TlsFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mtcp certs}: a small certificate authority for a pool without its own PKI ({@link
 * LocalCa}): {@code init} makes the CA and one key and certificate per server, {@code issue} one
 * more (a new server, a renewal).
 */
@Command(
        name = "certs",
        mixinStandardHelpOptions = true,
        description = {
            "Makes the TLS keys of a pool: a certificate authority (ca.crt, ca.key) and, per server, a key "
                    + "(NAME.key, PKCS#8 PEM, readable by its owner only) and a certificate (NAME.crt, PEM chain) "
                    + "for TLS 1.3 on the service and control ports (EC P-256).",
            "",
            "A server's certificate names the server (the pool's mutual TLS checks it) and every host "
                    + "clients and servers dial it by (the host of its service and control addresses in the pool "
                    + "file; hostname verification), plus localhost and 127.0.0.1.",
            "",
            "Then add 'trust file:ca.crt' to the pool file and start each server with "
                    + "--tls-cert NAME.crt --tls-key NAME.key. Keep ca.key offline: whoever has it can make "
                    + "certificates the pool trusts. For an organisation's own PKI, skip this command: any PEM or "
                    + "PKCS#12 keys work.",
            ""},
        subcommands = {CertsCommand.Init.class, CertsCommand.Issue.class})
public final class CertsCommand implements Runnable {

    static final String CA_CERT = "ca.crt";
    static final String CA_KEY = "ca.key";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: init or issue");
    }

    /** What every subcommand that issues certificates takes. */
    static final class IssueOptions {
        @Option(names = "--hosts", paramLabel = "HOST|NAME=HOST", split = ",",
                description = "More names or IP addresses in the certificates (subject alternative names), comma-separated: "
                        + "HOST for every certificate made, NAME=HOST for server NAME's only. Always included: the server's "
                        + "name, localhost and 127.0.0.1.")
        List<String> hosts = new ArrayList<>();

        @Option(names = "--validity", paramLabel = "DURATION", defaultValue = "365d", converter = Validity.class,
                description = "How long the server certificates are valid: 365d, 90d, 12h (default: ${DEFAULT-VALUE}). "
                        + "A certificate expiring within 14 days is a warning at every load.")
        Duration validity;

        @Option(names = "--force", description = "Overwrite existing key and certificate files (default: refuse).")
        boolean force;

        /** The subject alternative names of server {@code name}'s certificate. */
        List<String> subjectAltNames(String name) {
            Set<String> all = new LinkedHashSet<>();
            all.add(name);
            for (String h : hosts) {
                int eq = h.indexOf('=');
                if (eq < 0) {
                    all.add(h);
                } else if (h.substring(0, eq).equals(name)) {
                    all.add(h.substring(eq + 1));
                }
            }
            all.add("localhost");
            all.add("127.0.0.1");
            return List.copyOf(all);
        }

        void checkHosts(CommandSpec spec, List<String> servers) {
            for (String h : hosts) {
                int eq = h.indexOf('=');
                String host = eq < 0 ? h : h.substring(eq + 1);
                if (host.isBlank() || host.chars().anyMatch(c -> c <= 0x20 || c == '/' || c == '*')) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--hosts: '" + h + "' is not a host name or IP address");
                }
                if (eq >= 0 && !servers.contains(h.substring(0, eq))) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--hosts: '" + h + "' names no server made here "
                            + servers);
                }
            }
        }
    }

    /** {@code certs init}: the CA and every server's key. */
    @Command(name = "init", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
            description = {"Creates a new CA (ca.crt, ca.key) in DIR and a key and certificate per server (NAME.crt, NAME.key).",
                "Prints what it wrote and the line to add to the pool file.", ""})
    static final class Init implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", paramLabel = "DIR", required = true, description = "Where to write the files (created if missing).")
        Path dir;

        @Option(names = "--servers", paramLabel = "NAME", split = ",", required = true,
                description = "The servers' names as in the pool file, comma-separated: s1,s2,s3.")
        List<String> servers;

        @Option(names = "--ca-name", paramLabel = "NAME", defaultValue = "mtcp pool CA",
                description = "The CA certificate's common name.")
        String caName;

        @Option(names = "--ca-validity", paramLabel = "DURATION", defaultValue = "3650d", converter = Validity.class,
                description = "How long the CA certificate is valid.")
        Duration caValidity;

        @CommandLine.Mixin
        IssueOptions issue;

        @Override
        public Integer call() throws IOException {
            checkNames(spec, servers);
            issue.checkHosts(spec, servers);
            Files.createDirectories(dir);
            List<Path> targets = new ArrayList<>(List.of(dir.resolve(CA_CERT), dir.resolve(CA_KEY)));
            for (String s : servers) {
                targets.add(dir.resolve(s + ".crt"));
                targets.add(dir.resolve(s + ".key"));
            }
            refuseOverwrite(spec, targets, issue.force);
            PrintWriter out = spec.commandLine().getOut();
            LocalCa ca = LocalCa.create(caName, caValidity);
            ca.writeKey(dir.resolve(CA_KEY));
            ca.writeCertificate(dir.resolve(CA_CERT));
            out.println("wrote " + dir.resolve(CA_CERT) + " (CA certificate, expires " + ca.certificate().getNotAfter().toInstant() + ")");
            out.println("wrote " + dir.resolve(CA_KEY) + " (CA key, owner-only: keep it offline; needed by 'certs issue')");
            for (String s : servers) {
                writeServer(out, ca, s, issue, dir);
            }
            printNextSteps(out, dir, servers);
            return 0;
        }
    }

    /** {@code certs issue}: one more server's key from an existing CA. */
    @Command(name = "issue", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
            description = {"Issues a key and certificate for server NAME from the CA in --ca-dir (ca.crt, ca.key): a new "
                    + "server, or a renewal (with --force; a running server reloads the files by itself).", ""})
    static final class Issue implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "The server's name as in the pool file.")
        String name;

        @Option(names = "--ca-dir", paramLabel = "DIR", required = true, description = "The directory of ca.crt and ca.key.")
        Path caDir;

        @Option(names = "--out-dir", paramLabel = "DIR", description = "Where to write NAME.crt and NAME.key (default: --ca-dir).")
        Path outDir;

        @CommandLine.Mixin
        IssueOptions issue;

        @Override
        public Integer call() throws IOException {
            checkNames(spec, List.of(name));
            issue.checkHosts(spec, List.of(name));
            Path dir = outDir != null ? outDir : caDir;
            LocalCa ca;
            try {
                ca = LocalCa.load(caDir.resolve(CA_CERT), caDir.resolve(CA_KEY), TlsFiles.Password.none());
            } catch (IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ca-dir: " + e.getMessage());
            }
            Files.createDirectories(dir);
            refuseOverwrite(spec, List.of(dir.resolve(name + ".crt"), dir.resolve(name + ".key")), issue.force);
            PrintWriter out = spec.commandLine().getOut();
            writeServer(out, ca, name, issue, dir);
            printNextSteps(out, caDir, List.of(name));
            return 0;
        }
    }

    private static void writeServer(PrintWriter out, LocalCa ca, String name, IssueOptions issue, Path dir) throws IOException {
        LocalCa.Leaf leaf = ca.issue(name, issue.subjectAltNames(name), issue.validity);
        // the key first: a watcher seeing the new certificate beside the old key would log a mismatch
        leaf.writeKey(dir.resolve(name + ".key"));
        leaf.writeChain(dir.resolve(name + ".crt"));
        X509Certificate c = leaf.certificate();
        out.println("wrote " + dir.resolve(name + ".crt") + " and " + dir.resolve(name + ".key") + " (server " + name
                + ", names " + issue.subjectAltNames(name) + ", serial " + c.getSerialNumber().toString(16)
                + ", expires " + c.getNotAfter().toInstant() + ")");
        out.flush();
    }

    private static void printNextSteps(PrintWriter out, Path caDir, List<String> servers) {
        out.println();
        out.println("Add to the pool file (a path relative to the pool file's directory, or absolute):");
        out.println("  trust file:" + caDir.toAbsolutePath().normalize().resolve(CA_CERT));
        out.println("and start each server with its key, e.g.:");
        String s = servers.get(0);
        out.println("  ./mtcp file-server --name " + s + " --tls-cert " + caDir.resolve(s + ".crt") + " --tls-key "
                + caDir.resolve(s + ".key") + " ...");
        out.flush();
    }

    private static void checkNames(CommandSpec spec, List<String> names) {
        Set<String> seen = new LinkedHashSet<>();
        for (String n : names) {
            if (!n.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "'" + n + "' is not a usable server name here "
                        + "(letters, digits, '.', '_', '-'; it names the files NAME.crt and NAME.key)");
            }
            if (!seen.add(n) || n.equals("ca")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "server name '" + n + "' given twice or reserved");
            }
        }
    }

    private static void refuseOverwrite(CommandSpec spec, List<Path> targets, boolean force) {
        List<String> existing = targets.stream().filter(Files::exists).map(Path::toString).toList();
        if (!existing.isEmpty() && !force) {
            throw new CommandLine.ParameterException(spec.commandLine(), "refusing to overwrite " + String.join(", ", existing)
                    + " (--force to replace them)");
        }
    }

    /** {@code 365d}, {@code 12h}, {@code 30m}: validities are days, not milliseconds. */
    static final class Validity implements ITypeConverter<Duration> {
        private static final Pattern FORM = Pattern.compile("(\\d{1,6})([dhm])");

        @Override
        public Duration convert(String value) {
            Matcher m = FORM.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a validity: a positive number of days, "
                        + "hours or minutes, e.g. 365d, 12h");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofMinutes(n);
            };
        }
    }
}
