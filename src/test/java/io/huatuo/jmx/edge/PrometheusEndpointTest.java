package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector over built-in rules is made at the first scrape; an operator's rules file is read
 * at start, so that a bad one stops the start with its error instead of failing scrapes later.
 */
class PrometheusEndpointTest {
    private static final HttpGuardSettings LIMITS = new HttpGuardSettings(List.of(), 64 * 1024, 0);

    private static PrometheusEndpoint endpoint(String rulesFile) {
        return new PrometheusEndpoint(new PrometheusEndpoint.Settings("127.0.0.1", 0, rulesFile, "", ""),
                LIMITS, new LoginGuard());
    }

    @Test
    void aRulesFileTheCollectorRefusesStopsTheStartNamingTheFile(@TempDir Path dir) throws IOException {
        Path rules = Files.writeString(dir.resolve("rules.yaml"),
                "rules:\n  - pattern: 'huatuo<type=Tracer, name=(\\w+)><>(Events'\n    name: huatuo_$1\n");
        try (PrometheusEndpoint p = endpoint(rules.toString())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, p::start);
            assertTrue(e.getMessage().startsWith("prometheus.rulesFile: " + rules + ": "), e.getMessage());
            assertTrue(p.url() == null, "nothing listens after a refused start");
        }
        Path notYaml = Files.writeString(dir.resolve("list.yaml"), "- a\n- b\n");
        try (PrometheusEndpoint p = endpoint(notYaml.toString())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, p::start);
            assertTrue(e.getMessage().startsWith("prometheus.rulesFile: " + notYaml + ": not a YAML mapping"),
                    e.getMessage());
        }
    }

    @Test
    void withTheBuiltInRulesTheStartMakesNoCollectorAndListens() throws Exception {
        try (PrometheusEndpoint p = endpoint("")) {
            p.start(); // the collector would need the Daemon MBean, which this test does not register
            int port = Integer.parseInt(p.url().replaceAll(".*:(\\d+)/metrics", "$1"));
            try (ServerSocket taken = new ServerSocket()) {
                assertThrows(IOException.class, () -> taken.bind(new InetSocketAddress("127.0.0.1", port)),
                        "the endpoint's port is bound at start");
            }
        }
    }
}
