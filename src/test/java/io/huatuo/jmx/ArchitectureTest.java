package io.huatuo.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The package arrows of ARCHITECTURE.md §2, checked on the sources' imports. */
class ArchitectureTest {
    private static final Path SRC = Path.of("src/main/java/io/huatuo/jmx");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+)\\.[\\w*]+;", Pattern.MULTILINE);
    private static final String P = "io.huatuo.jmx.";

    /** For each package: the project packages it may import (besides itself), and whether javax.management is allowed. */
    private static final Map<String, List<String>> ALLOWED = Map.of(
            "bpf", List.of(),
            "event", List.of(),
            "config", List.of(),
            "enrich", List.of("event"),
            "record", List.of("event"),
            "jmx", List.of("event"),
            "edge", List.of("jmx", "event"),
            "tracer", List.of("bpf", "event", "config"));

    @Test
    void packagesImportOnlyWhatTheArchitectureAllows() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : ALLOWED.entrySet()) {
            Path dir = SRC.resolve(e.getKey());
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher m = IMPORT.matcher(Files.readString(f));
                    while (m.find()) {
                        String imported = m.group(1);
                        if (!imported.startsWith(P)) {
                            if (e.getKey().equals("tracer") && imported.startsWith("javax.management")) {
                                violations.add(f + " imports " + imported + " (tracers never see JMX)");
                            }
                            continue;
                        }
                        String pkg = imported.substring(P.length()).split("\\.")[0];
                        if (!pkg.equals(e.getKey()) && !e.getValue().contains(pkg)) {
                            violations.add(f + " imports " + imported);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), violations);
    }
}
