package io.huatuo.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package arrows, checked on the sources' imports: each package imports only the packages its
 * rule names, every package has a rule, and the arrows have no cycle. Packages are named relative to
 * {@code io.huatuo.jmx}; {@code tracer.*} is the rule of every tracer's own package.
 */
class ArchitectureTest {
    /** The sources, and the Java side of the BPF objects that the build generates from their BTF. */
    private static final List<Path> SOURCES = List.of(Path.of("src/main/java/io/huatuo/jmx"),
            Path.of("target/generated-sources/bpf/io/huatuo/jmx"));
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+)\\.[\\w*]+;", Pattern.MULTILINE);
    private static final String P = "io.huatuo.jmx.";
    private static final String EACH_TRACER = "tracer.*";
    private static final String ANY = "*";

    /** For each package: the project packages it may import besides itself. */
    private static final Map<String, List<String>> ALLOWED = new LinkedHashMap<>();

    static {
        ALLOWED.put("bpf", List.of());
        ALLOWED.put("kernel", List.of("bpf")); // the one native library
        ALLOWED.put("json", List.of());
        ALLOWED.put("event", List.of());
        ALLOWED.put("config", List.of("json")); // tracers hand their blocks in (config.TracerBlock)
        ALLOWED.put("enrich", List.of("event"));
        ALLOWED.put("record", List.of("event"));
        ALLOWED.put("jmx", List.of("event"));
        ALLOWED.put("edge", List.of("jmx", "event", "json"));
        ALLOWED.put("tracer", List.of("bpf", "event", "config")); // the SPI and plumbing
        ALLOWED.put("tracer.link", List.of("tracer", "kernel")); // rtnetlink links, shared by netdev and lacp
        ALLOWED.put(EACH_TRACER, List.of("tracer", "tracer.link", "bpf", "kernel", "event", "config", "json")); // never another tracer
        ALLOWED.put("registry", List.of("tracer", EACH_TRACER));
        ALLOWED.put("daemon", List.of(ANY)); // the wiring
    }

    /** Tracers never see JMX: they publish events and attributes, the jmx package makes MBeans of them. */
    private static boolean mayUseJmx(String pkg) {
        return !pkg.equals("tracer") && !pkg.startsWith("tracer.");
    }

    @Test
    void packagesImportOnlyWhatTheArchitectureAllows() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, Set<Import>> e : imports().entrySet()) {
            String pkg = e.getKey();
            List<String> allowed = ALLOWED.get(rule(pkg));
            for (Import i : e.getValue()) {
                if (i.pkg().startsWith("javax.management")) {
                    if (!mayUseJmx(pkg)) {
                        violations.add(i.file() + " imports " + i.pkg() + " (tracers never see JMX)");
                    }
                } else if (!i.pkg().equals(pkg) && !allows(allowed, i.pkg())) {
                    violations.add(i.file() + " imports " + P + i.pkg());
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void everyPackageHasARule() throws IOException {
        Set<String> without = new TreeSet<>();
        for (String pkg : imports().keySet()) {
            if (rule(pkg) == null) {
                without.add(pkg);
            }
        }
        assertEquals(Set.of(), without, "add a rule to ArchitectureTest.ALLOWED");
    }

    @Test
    void packageArrowsHaveNoCycle() throws IOException {
        Map<String, Set<String>> arrows = new TreeMap<>();
        imports().forEach((pkg, list) -> {
            Set<String> to = new TreeSet<>();
            list.stream().map(Import::pkg).filter(p -> !p.equals(pkg) && !p.startsWith("javax.")).forEach(to::add);
            arrows.put(pkg, to);
        });
        List<String> cycle = findCycle(arrows);
        assertTrue(cycle.isEmpty(), "package cycle: " + String.join(" -> ", cycle));
    }

    @Test
    void theCycleFinderFindsOne() {
        Map<String, Set<String>> arrows = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of());
        assertEquals(3, new HashSet<>(findCycle(arrows)).size());
        assertEquals(List.of(), findCycle(Map.of("a", Set.of("b"), "b", Set.of())));
    }

    private record Import(Path file, String pkg) {
    }

    /** Package (relative to io.huatuo.jmx) to its imports of project packages and of javax.management. */
    private static Map<String, Set<Import>> imports() throws IOException {
        Map<String, Set<Import>> out = new TreeMap<>();
        for (Path root : SOURCES) {
            assertTrue(Files.isDirectory(root), root + " (build first)");
            readImports(root, out);
        }
        return out;
    }

    private static void readImports(Path root, Map<String, Set<Import>> out) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(f.getParent()).toString().replace('/', '.');
                Set<Import> set = out.computeIfAbsent(pkg, k -> new HashSet<>());
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    String imported = m.group(1);
                    if (imported.startsWith(P)) {
                        set.add(new Import(f, packageOf(imported.substring(P.length()))));
                    } else if (imported.startsWith("javax.management")) {
                        set.add(new Import(f, imported));
                    }
                }
            }
        }
    }

    /** Drops a class (and nested class) part: "tracer.link.LinkWatcher.Listener" is in "tracer.link". */
    private static String packageOf(String name) {
        List<String> parts = new ArrayList<>();
        for (String s : name.split("\\.")) {
            if (Character.isUpperCase(s.charAt(0))) {
                break;
            }
            parts.add(s);
        }
        return String.join(".", parts);
    }

    /** The rule of a package: its own, or {@code tracer.*} for a tracer's package. */
    private static String rule(String pkg) {
        if (ALLOWED.containsKey(pkg)) {
            return pkg;
        }
        if (pkg.startsWith("tracer.") && pkg.indexOf('.', "tracer.".length()) < 0) {
            return EACH_TRACER;
        }
        return null;
    }

    private static boolean allows(List<String> allowed, String pkg) {
        if (allowed == null) {
            return false;
        }
        return allowed.contains(ANY) || allowed.contains(pkg)
                || (allowed.contains(EACH_TRACER) && EACH_TRACER.equals(rule(pkg)));
    }

    /** A cycle of the arrows as the packages on it, or empty. */
    private static List<String> findCycle(Map<String, Set<String>> arrows) {
        Set<String> done = new HashSet<>();
        for (String start : arrows.keySet()) {
            List<String> path = new ArrayList<>();
            List<String> cycle = visit(start, arrows, done, path);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        return List.of();
    }

    private static List<String> visit(String pkg, Map<String, Set<String>> arrows, Set<String> done, List<String> path) {
        int at = path.indexOf(pkg);
        if (at >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
            cycle.add(pkg);
            return cycle;
        }
        if (!done.add(pkg)) {
            return List.of();
        }
        path.add(pkg);
        for (String next : arrows.getOrDefault(pkg, Set.of())) {
            List<String> cycle = visit(next, arrows, done, path);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        path.remove(path.size() - 1);
        return List.of();
    }
}
