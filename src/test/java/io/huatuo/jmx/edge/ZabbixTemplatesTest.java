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
    void bothTemplatesHaveTheSameItemsTriggersAndUniqueUuids() throws Exception {
        JsonNode jmx = template("huatuo-jmx_by_jmx.yaml");
        JsonNode http = template("huatuo-jmx_by_http.yaml");
        // the HTTP template has one more item: the Jolokia bulk read the others depend on
        assertEquals(names(jmx.get("items")).size() + 1, names(http.get("items")).size());
        assertTrue(names(http.get("items")).containsAll(names(jmx.get("items"))));
        JsonNode jmxRule = jmx.get("discovery_rules").get(0);
        JsonNode httpRule = http.get("discovery_rules").get(0);
        assertEquals(names(jmxRule.get("item_prototypes")).stream().map(n -> n.replace("{#JMXNAME}", "{#TRACER}")).toList(),
                names(httpRule.get("item_prototypes")));
        assertEquals(jmxRule.get("overrides").toString().replace("{#JMXNAME}", "{#TRACER}"), httpRule.get("overrides").toString());
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

    private static JsonNode template(String file) throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(DIR.resolve(file).toFile()).get("zabbix_export").get("templates").get(0);
    }

    private static List<String> names(JsonNode items) {
        List<String> n = new ArrayList<>();
        items.forEach(i -> n.add(i.get("name").asText()));
        return n;
    }
}
