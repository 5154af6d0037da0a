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
import java.util.ArrayList;
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
 * exactly what PGXS's {@code make install} does for a pure-SQL extension.
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

    /** Copies the files into {@code extensionDir}, each atomically (a server may read them meanwhile). */
    void installInto(Path extensionDir) throws IOException {
        Files.createDirectories(extensionDir);
        for (String resource : files) {
            String file = resource.substring(resource.lastIndexOf('/') + 1);
            Path tmp = Files.createTempFile(extensionDir, "." + file, ".tmp");
            try (InputStream in = loader.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("resource vanished: " + resource);
                }
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, extensionDir.resolve(file), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
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
