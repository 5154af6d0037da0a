package org.mtcp.testkit.pg;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of a PostgreSQL extension found on the class path: {@code name.control} and its
 * {@code name--*.sql} scripts under {@value #RESOURCE_DIR}, in a directory or in a jar.
 *
 * <p>Installing them means copying them into the server's {@code SHAREDIR/extension}, which is
 * exactly what PGXS's {@code make install} does for a pure-SQL extension: into a directory
 * ({@link #into}, the embedded server) or through any channel (a container), with
 * {@link #copyTo}. {@link #filesDifferingFrom} checks an installation made by PGXS itself.
 */
final class ExtensionBundle {

    /** Where extensions live on the class path. */
    static final String RESOURCE_DIR = "META-INF/postgresql/extension";

    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*");

    private final String name;
    private final List<String> files;       // resource paths
    private final ClassLoader loader;

    private ExtensionBundle(String name, List<String> files, ClassLoader loader) {
        this.name = name;
        this.files = List.copyOf(files);
        this.loader = loader;
    }

    /**
     * Finds extension {@code name} on the context class loader.
     *
     * @throws IllegalStateException when its control file is not on the class path
     */
    static ExtensionBundle find(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not an extension name: " + name);
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = ExtensionBundle.class.getClassLoader();
        }
        String control = RESOURCE_DIR + "/" + name + ".control";
        URL url = loader.getResource(control);
        if (url == null) {
            throw new IllegalStateException("extension " + name + " is not on the class path (no " + control
                    + "); add the module that provides it as a test dependency");
        }
        List<String> files = new ArrayList<>();
        files.add(control);
        for (String file : listDirectory(url)) {
            if (file.startsWith(name + "--") && file.endsWith(".sql")) {
                files.add(RESOURCE_DIR + "/" + file);
            }
        }
        if (files.size() == 1) {
            throw new IllegalStateException("extension " + name + " has a control file but no " + name
                    + "--*.sql script beside " + url);
        }
        Collections.sort(files);
        return new ExtensionBundle(name, files, loader);
    }

    String name() {
        return name;
    }

    /** File names (without directories), sorted. */
    List<String> fileNames() {
        return files.stream().map(f -> f.substring(f.lastIndexOf('/') + 1)).toList();
    }

    /** Receives an extension's files one by one: PGXS's {@code make install} as a callback. */
    @FunctionalInterface
    interface FileSink {
        void put(String fileName, byte[] content) throws IOException;
    }

    /** Hands every file (name without directories, and content) to {@code sink}, in name order. */
    void copyTo(FileSink sink) throws IOException {
        for (String resource : files) {
            sink.put(resource.substring(resource.lastIndexOf('/') + 1), read(resource));
        }
    }

    /** Writes files into {@code extensionDir}, each atomically (a server may read them meanwhile). */
    static FileSink into(Path extensionDir) {
        return (file, content) -> {
            Files.createDirectories(extensionDir);
            Path tmp = Files.createTempFile(extensionDir, "." + file, ".tmp");
            try {
                Files.write(tmp, content);
                Files.move(tmp, extensionDir.resolve(file), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        };
    }

    /**
     * The files that {@code extensionDir} lacks or holds with other content: empty when the
     * extension installed there (by PGXS, say) is exactly this one.
     */
    List<String> filesDifferingFrom(Path extensionDir) throws IOException {
        List<String> differing = new ArrayList<>();
        copyTo((file, content) -> {
            Path installed = extensionDir.resolve(file);
            if (!Files.isRegularFile(installed) || !Arrays.equals(Files.readAllBytes(installed), content)) {
                differing.add(file);
            }
        });
        return differing;
    }

    /**
     * The directory {@code CREATE EXTENSION} reads on {@code server}: {@code SHAREDIR/extension},
     * as the server reports it ({@code pg_config} view, superusers only).
     */
    static String extensionDirectoryOf(PostgresServer server) throws SQLException {
        try (Connection c = server.connectAdmin(server.maintenanceDatabase()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT setting FROM pg_catalog.pg_config WHERE name = 'SHAREDIR'")) {
            if (!rs.next()) {
                throw new SQLException("the pg_config view has no SHAREDIR on " + server.description());
            }
            return rs.getString(1) + "/extension";
        }
    }

    private byte[] read(String resource) throws IOException {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource vanished: " + resource);
            }
            return in.readAllBytes();
        }
    }

    /** Names of the files in the class path directory that holds {@code controlUrl}. */
    private static List<String> listDirectory(URL controlUrl) {
        try {
            switch (controlUrl.getProtocol()) {
                case "file" -> {
                    Path dir = Path.of(controlUrl.toURI()).getParent();
                    try (Stream<Path> s = Files.list(dir)) {
                        return s.map(p -> p.getFileName().toString()).toList();
                    }
                }
                case "jar" -> {
                    JarURLConnection connection = (JarURLConnection) controlUrl.openConnection();
                    connection.setUseCaches(false);
                    List<String> names = new ArrayList<>();
                    try (JarFile jar = connection.getJarFile()) {
                        Enumeration<JarEntry> entries = jar.entries();
                        while (entries.hasMoreElements()) {
                            String entry = entries.nextElement().getName();
                            if (entry.startsWith(RESOURCE_DIR + "/") && entry.indexOf('/', RESOURCE_DIR.length() + 1) < 0) {
                                names.add(entry.substring(RESOURCE_DIR.length() + 1));
                            }
                        }
                    }
                    return names;
                }
                default -> throw new IllegalStateException("cannot list class path entries of " + controlUrl);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + controlUrl, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad class path URL " + controlUrl, e);
        }
    }

    @Override
    public String toString() {
        return "extension " + name + " " + fileNames();
    }
}
