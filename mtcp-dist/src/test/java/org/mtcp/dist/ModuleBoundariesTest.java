package org.mtcp.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mtcp.core.MtcpSocket;

/**
 * mtcp-core's internals are not API, and the in-process test kit is in no product jar but its
 * own. Checked on the compiled main code of every module this jar ships (this module's class
 * path: each module's classes, from the reactor or from its jar), so that a reference without an
 * import ({@code var}, a chained call) counts too.
 */
class ModuleBoundariesTest {

    private static final String INTERNAL = "org.mtcp.core.internal";
    private static final Set<String> EXPORTED = Set.of("org.mtcp.core", "org.mtcp.core.policy", "org.mtcp.core.transfer",
            "org.mtcp.core.tls");
    /** The one exception: JMH micro-benchmarks of the transport's internals (wire codec, buffers). */
    private static final String JMH = "org/mtcp/bench/jmh/";
    private static final String TEST_KIT = "org/mtcp/testkit/";

    /** Module (directory or artifact name) to the class-file entries of its main code. */
    private static final Map<String, ClassesRoot> MODULES = new LinkedHashMap<>();

    /** A module's compiled main code: a classes directory in the reactor, or a jar. */
    private record ClassesRoot(Path path, List<String> entries) {
        byte[] read(String entry) {
            try {
                if (Files.isDirectory(path)) {
                    return Files.readAllBytes(path.resolve(entry));
                }
                try (ZipFile zip = new ZipFile(path.toFile()); InputStream in = zip.getInputStream(zip.getEntry(entry))) {
                    return in.readAllBytes();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @BeforeAll
    static void findModules() throws IOException {
        for (String element : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(element);
            String module = moduleOf(path);
            if (module == null) {
                continue;
            }
            List<String> entries = classEntries(path);
            if (entries.stream().anyMatch(e -> e.startsWith("org/mtcp/"))) {
                MODULES.put(module, new ClassesRoot(path, entries));
            }
        }
        assertThat(MODULES.keySet()).as("the shipped modules on the class path")
                .contains("mtcp-core", "mtcp-testkit", "mtcp-proxy", "mtcp-cli", "pg-frontend", "webapp", "mtcp-bench", "mtcp-dist");
    }

    @Test
    void mtcpCoreExportsItsApiPackagesOnly() throws IOException {
        ClassesRoot core = MODULES.get("mtcp-core");
        ModuleDescriptor descriptor;
        try (InputStream in = new java.io.ByteArrayInputStream(core.read("module-info.class"))) {
            descriptor = ModuleDescriptor.read(in);
        }
        assertThat(descriptor.exports()).allMatch(e -> !e.isQualified(), "unqualified")
                .extracting(ModuleDescriptor.Exports::source).containsExactlyInAnyOrderElementsOf(EXPORTED);
    }

    @Test
    void noMainCodeOutsideMtcpCoreUsesItsInternals() {
        byte[] internal = INTERNAL.replace('.', '/').getBytes(StandardCharsets.UTF_8);
        Set<String> offenders = new TreeSet<>();
        MODULES.forEach((module, root) -> {
            if (module.equals("mtcp-core")) {
                return;
            }
            for (String entry : root.entries()) {
                if (!entry.startsWith(JMH) && contains(root.read(entry), internal)) {
                    offenders.add(module + ": " + entry);
                }
            }
        });
        assertThat(offenders).as("classes referring to %s (only %s may, the JMH benchmarks)", INTERNAL, JMH).isEmpty();
    }

    @Test
    void noPublicSignatureOfTheApiHasAnInternalType() throws ClassNotFoundException {
        List<String> leaks = new ArrayList<>();
        int checked = 0;
        for (String entry : MODULES.get("mtcp-core").entries()) {
            String name = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
            String pkg = name.substring(0, Math.max(0, name.lastIndexOf('.')));
            if (!EXPORTED.contains(pkg) || name.endsWith("package-info")) {
                continue;
            }
            Class<?> type = Class.forName(name, false, MtcpSocket.class.getClassLoader());
            if (!isVisible(type)) {
                continue;
            }
            checked++;
            check(leaks, type.getName() + " extends", type.getGenericSuperclass());
            for (Type t : type.getGenericInterfaces()) {
                check(leaks, type.getName() + " implements", t);
            }
            for (Field f : type.getDeclaredFields()) {
                if (isVisible(type, f)) {
                    check(leaks, f.toGenericString(), f.getGenericType());
                }
            }
            List<Executable> executables = new ArrayList<>(Arrays.asList(type.getDeclaredMethods()));
            executables.addAll(Arrays.asList(type.getDeclaredConstructors()));
            for (Executable x : executables) {
                if (!isVisible(type, x) || x.isSynthetic()) {
                    continue;
                }
                if (x instanceof Method m) {
                    check(leaks, x.toGenericString(), m.getGenericReturnType());
                }
                for (Type t : x.getGenericParameterTypes()) {
                    check(leaks, x.toGenericString(), t);
                }
                for (Type t : x.getGenericExceptionTypes()) {
                    check(leaks, x.toGenericString(), t);
                }
            }
        }
        assertThat(checked).as("public types of the exported packages").isGreaterThan(20);
        assertThat(leaks).as("internal types in the API").isEmpty();
    }

    @Test
    void theTestKitIsInNoProductJarButItsOwn() {
        Set<String> kitClasses = new TreeSet<>();
        Set<String> holders = new TreeSet<>();
        MODULES.forEach((module, root) -> {
            for (String entry : root.entries()) {
                String simple = entry.substring(entry.lastIndexOf('/') + 1);
                boolean inKitPackage = entry.startsWith(TEST_KIT) && entry.indexOf('/', TEST_KIT.length()) < 0;
                if (inKitPackage) {
                    kitClasses.add(simple);
                }
                if (inKitPackage || simple.equals("LoopbackPool.class") || simple.equals("TcpProxy.class")) {
                    holders.add(module);
                }
            }
        });
        assertThat(kitClasses).as("the kit, found").contains("LoopbackPool.class", "TcpProxy.class");
        assertThat(holders).as("modules whose main code holds the test kit").containsExactly("mtcp-testkit");
    }

    // ------------------------------------------------------------------------------------------

    /**
     * The module whose main code {@code path} is: {@code <module>/target/classes} (a reactor build up
     * to test), {@code <module>/target/<jar>} (a reactor build up to verify, as CI runs it) or
     * {@code .../org/mtcp/<module>/<version>/<jar>} (the local repository).
     */
    private static String moduleOf(Path path) {
        if (path.endsWith(Path.of("target", "classes"))) {
            return path.getParent().getParent().getFileName().toString();
        }
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        Path versionDir = path.getParent();
        if (name.endsWith(".jar") && !name.endsWith("-tests.jar") && versionDir != null
                && versionDir.endsWith("target") && versionDir.getParent() != null) {
            return versionDir.getParent().getFileName().toString(); // a reactor build past package (verify): <module>/target/<jar>
        }
        if (name.endsWith(".jar") && !name.endsWith("-tests.jar") && versionDir != null && versionDir.getParent() != null
                && versionDir.getParent().getParent() != null
                && versionDir.getParent().getParent().endsWith(Path.of("org", "mtcp"))) {
            return versionDir.getParent().getFileName().toString();
        }
        return null; // a test-classes directory or a third-party jar
    }

    private static List<String> classEntries(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.walk(path)) {
                return files.filter(p -> p.toString().endsWith(".class"))
                        .map(p -> path.relativize(p).toString().replace(java.io.File.separatorChar, '/')).sorted().toList();
            }
        }
        if (!Files.isRegularFile(path)) {
            return List.of();
        }
        try (ZipFile zip = new ZipFile(path.toFile())) {
            return zip.stream().map(ZipEntry::getName).filter(n -> n.endsWith(".class")).sorted().toList();
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Visible outside the module: public, and every enclosing type public. */
    private static boolean isVisible(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
            if (!Modifier.isPublic(c.getModifiers()) || c.isAnonymousClass() || c.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    /** Public, or protected in a class that can be extended. */
    private static boolean isVisible(Class<?> owner, Member member) {
        int m = member.getModifiers();
        return Modifier.isPublic(m)
                || (Modifier.isProtected(m) && !Modifier.isFinal(owner.getModifiers()) && !owner.isSealed());
    }

    private static void check(List<String> leaks, String where, Type type) {
        Set<String> internal = new TreeSet<>();
        collectInternal(type, internal, new HashSet<>());
        internal.forEach(t -> leaks.add(where + ": " + t));
    }

    private static void collectInternal(Type type, Set<String> found, Set<Type> seen) {
        if (type == null || !seen.add(type)) {
            return;
        }
        switch (type) {
            case Class<?> c -> {
                Class<?> base = c;
                while (base.isArray()) {
                    base = base.getComponentType();
                }
                if (base.getPackageName().equals(INTERNAL) || base.getPackageName().startsWith(INTERNAL + ".")) {
                    found.add(base.getName());
                }
            }
            case ParameterizedType p -> {
                collectInternal(p.getRawType(), found, seen);
                collectInternal(p.getOwnerType(), found, seen);
                for (Type a : p.getActualTypeArguments()) {
                    collectInternal(a, found, seen);
                }
            }
            case WildcardType w -> {
                for (Type b : w.getUpperBounds()) {
                    collectInternal(b, found, seen);
                }
                for (Type b : w.getLowerBounds()) {
                    collectInternal(b, found, seen);
                }
            }
            case TypeVariable<?> v -> {
                for (Type b : v.getBounds()) {
                    collectInternal(b, found, seen);
                }
            }
            case GenericArrayType a -> collectInternal(a.getGenericComponentType(), found, seen);
            default -> throw new AssertionError("a kind of type this check does not know: " + type);
        }
    }
}
