package io.huatuo.jmx.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.registry.TracerRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

/** The shipped huatuo-jmx.yaml documents the code's defaults: the two cannot drift apart. */
class DefaultConfigFileTest {

    private static String resource() throws IOException {
        try (InputStream in = HuatuoConfig.class.getResourceAsStream("/huatuo-jmx.yaml")) {
            assertNotNull(in, "huatuo-jmx.yaml on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void loadingTheShippedFileGivesExactlyTheDefaults() throws IOException {
        assertEquals(HuatuoConfig.defaults(TracerRegistry.ALL), HuatuoConfig.parse(resource(), "huatuo-jmx.yaml", TracerRegistry.ALL));
    }

    @Test
    void theShippedFileSetsEveryKeyThereIs() throws IOException {
        Set<String> inFile = new TreeSet<>();
        flatten("", new ObjectMapper(new YAMLFactory()).readTree(resource()), inFile);
        assertEquals(new TreeSet<>(HuatuoConfig.knownKeys(TracerRegistry.ALL)), inFile);
    }

    @Test
    void everyKeyInTheShippedFileHasAComment() throws IOException {
        List<String> lines = resource().lines().toList();
        Pattern key = Pattern.compile("^\\s*([A-Za-z]+):.*$");
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = key.matcher(lines.get(i));
            if (m.matches()) {
                boolean trailing = lines.get(i).contains("#");
                boolean above = i > 0 && lines.get(i - 1).trim().startsWith("#");
                assertTrue(trailing || above, "line " + (i + 1) + " has no comment: " + lines.get(i));
            }
        }
    }

    private static void flatten(String prefix, JsonNode node, Set<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            if (e.getValue().isObject()) {
                flatten(key + ".", e.getValue(), out);
            } else {
                out.add(key);
            }
        }
    }
}
