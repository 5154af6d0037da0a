package org.mtcp.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The README's module table is the picture of the architecture: its modules are the build's, its
 * "depends on (main code)" column is what the poms say, and the layering rules it states hold.
 */
class ArchitectureTest {

    private static final String GROUP = "org.mtcp";

    /** A module's project dependency as its pom declares it. */
    private record Dependency(String module, String scope, String type) {
        boolean isMainCode() {
            return !scope.equals("test") && !type.equals("test-jar");
        }
    }

    private static Path root;
    /** Directory name to its dependencies on other modules, in the parent pom's order. */
    private static final Map<String, List<Dependency>> POMS = new LinkedHashMap<>();
    /** Directory name to the main-code dependencies the README lists, in the table's order. */
    private static final Map<String, Set<String>> README = new LinkedHashMap<>();

    @BeforeAll
    static void read() throws Exception {
        root = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath().getParent();
        Document parent = parse(root.resolve("pom.xml"));
        List<String> modules = texts(parent.getDocumentElement(), "modules", "module");
        Map<String, String> directoryOfArtifact = new LinkedHashMap<>();
        Map<String, Document> poms = new LinkedHashMap<>();
        for (String module : modules) {
            Document pom = parse(root.resolve(module).resolve("pom.xml"));
            poms.put(module, pom);
            directoryOfArtifact.put(child(pom.getDocumentElement(), "artifactId").getTextContent().strip(), module);
        }
        for (Map.Entry<String, Document> e : poms.entrySet()) {
            List<Dependency> deps = new ArrayList<>();
            Element dependencies = child(e.getValue().getDocumentElement(), "dependencies");
            if (dependencies != null) {
                for (Element d : children(dependencies, "dependency")) {
                    if (GROUP.equals(text(d, "groupId", ""))) {
                        String artifact = text(d, "artifactId", "");
                        assertThat(directoryOfArtifact).as("%s depends on %s", e.getKey(), artifact).containsKey(artifact);
                        deps.add(new Dependency(directoryOfArtifact.get(artifact), text(d, "scope", "compile"),
                                text(d, "type", "jar")));
                    }
                }
            }
            POMS.put(e.getKey(), deps);
        }
        Pattern row = Pattern.compile("^\\| `([a-z0-9-]+)` \\| .* \\| (—|(?:`[a-z0-9-]+`(?:, )?)+) \\|[^|]*\\|$");
        for (String line : Files.readAllLines(root.resolve("README.md"))) {
            Matcher m = row.matcher(line);
            if (m.matches()) {
                Set<String> deps = new LinkedHashSet<>();
                Matcher name = Pattern.compile("`([a-z0-9-]+)`").matcher(m.group(2));
                while (name.find()) {
                    deps.add(name.group(1));
                }
                README.put(m.group(1), deps);
            }
        }
    }

    @Test
    void theReadmeTableListsEveryModuleOfTheBuild() {
        assertThat(README.keySet()).containsExactlyInAnyOrderElementsOf(POMS.keySet());
    }

    @Test
    void theReadmeTableShowsEachModulesMainDependencies() {
        for (String module : POMS.keySet()) {
            Set<String> main = new LinkedHashSet<>();
            POMS.get(module).stream().filter(Dependency::isMainCode).forEach(d -> main.add(d.module()));
            assertThat(README.get(module)).as("README's dependencies of %s", module).containsExactlyInAnyOrderElementsOf(main);
        }
    }

    @Test
    void mainCodeDependsOnlyDownwardAndNeverOnTestKitsOrTheCommandLineTools() {
        List<String> order = new ArrayList<>(README.keySet());
        POMS.forEach((module, deps) -> deps.stream().filter(Dependency::isMainCode).forEach(d -> {
            assertThat(order.indexOf(d.module())).as("%s -> %s: above it in the README's table", module, d.module())
                    .isLessThan(order.indexOf(module));
            assertThat(d.module()).as("main code of %s on a test kit", module).isNotEqualTo("pg-testkit");
            if (d.module().equals("mtcp-testkit")) {
                assertThat(module).as("main code on the in-process test kit").isEqualTo("mtcp-bench");
            }
            if (d.module().equals("mtcp-cli")) {
                assertThat(module).as("main code on the command-line tools").isEqualTo("mtcp-dist");
            }
        }));
    }

    private static Document parse(Path pom) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        try {
            return f.newDocumentBuilder().parse(pom.toFile());
        } catch (IOException e) {
            throw new IOException("cannot read " + pom, e);
        }
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0);
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE && nodes.item(i).getNodeName().equals(name)) {
                out.add((Element) nodes.item(i));
            }
        }
        return out;
    }

    private static List<String> texts(Element parent, String list, String item) {
        return children(child(parent, list), item).stream().map(e -> e.getTextContent().strip()).toList();
    }

    private static String text(Element parent, String name, String otherwise) {
        Element e = child(parent, name);
        return e == null ? otherwise : e.getTextContent().strip();
    }
}
