package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.GeneratedFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The committed Zabbix templates are what generate.py writes, and both describe the same things. */
class ZabbixTemplatesTest {
    private static final Path DIR = Path.of("zabbix-templates");

    @Test
    void committedTemplatesAreTheGeneratorsOutput() throws Exception {
        GeneratedFiles.assertCommittedAreTheGeneratorsOutput(DIR, "huatuo-jmx_by_jmx.yaml", "huatuo-jmx_by_http.yaml");
    }

    @Test
    void bothTemplatesAreOneMasterItemAndTheSameDependentItemsTriggersGraphsAndDashboard() throws Exception {
        JsonNode jmx = template("huatuo-jmx_by_jmx.yaml");
        JsonNode http = template("huatuo-jmx_by_http.yaml");
        for (JsonNode t : List.of(jmx, http)) {
            List<String> masters = new ArrayList<>();
            t.get("items").forEach(i -> {
                if (!i.get("type").asText().equals("DEPENDENT")) {
                    masters.add(i.get("key").asText());
                }
            });
            assertEquals(1, masters.size(), "one polled item: " + masters);
            assertEquals(1, t.get("dashboards").size());
        }
        assertEquals(keys(jmx.get("items")).subList(1, jmx.get("items").size()),
                keys(http.get("items")).subList(1, http.get("items").size()));
        JsonNode jmxRule = jmx.get("discovery_rules").get(0);
        JsonNode httpRule = http.get("discovery_rules").get(0);
        for (String part : List.of("item_prototypes", "trigger_prototypes", "graph_prototypes")) {
            assertEquals(names(jmxRule.get(part)), names(httpRule.get(part)), part);
        }
        assertEquals(jmxRule.get("overrides").toString(), httpRule.get("overrides").toString());
        // one UUID per object across both files (importing one must not update the other's objects)
        Set<String> uuids = new HashSet<>();
        for (String file : List.of("huatuo-jmx_by_jmx.yaml", "huatuo-jmx_by_http.yaml")) {
            JsonNode export = new ObjectMapper(new YAMLFactory()).readTree(DIR.resolve(file).toFile()).get("zabbix_export");
            ((ObjectNode) export).remove("groups"); // the template group is shared on purpose
            for (JsonNode u : export.findValues("uuid")) {
                assertTrue(uuids.add(u.asText()), "duplicate uuid " + u);
            }
        }
    }

    @Test
    void valuesThatMayBeAbsentOnAHealthyHostAreDiscardedNotUnsupported() throws Exception {
        for (JsonNode i : template("huatuo-jmx_by_jmx.yaml").get("items")) {
            String path = i.path("preprocessing").path(0).path("parameters").path(0).asText();
            if (path.contains("LastEvent") || path.contains("DropsByReason")) {
                assertEquals("DISCARD_VALUE", i.get("preprocessing").get(0).path("error_handler").asText(), path);
            }
        }
    }

    private static JsonNode template(String file) throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(DIR.resolve(file).toFile()).get("zabbix_export").get("templates").get(0);
    }

    private static List<String> names(JsonNode items) {
        List<String> n = new ArrayList<>();
        items.forEach(i -> n.add(i.get("name").asText()));
        return n;
    }

    private static List<String> keys(JsonNode items) {
        List<String> n = new ArrayList<>();
        items.forEach(i -> n.add(i.get("key").asText()));
        return n;
    }
}
