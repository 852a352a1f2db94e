package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.jmx.JmxCollector;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import javax.management.MBeanServer;
import org.junit.jupiter.api.Test;

/** A rules file cannot make the embedded exporter read what the exposure policy hides. */
class PrometheusExposureTest {
    private static final MBeanServer PLATFORM = ManagementFactory.getPlatformMBeanServer();

    /** Scrapes the platform MBean server with the restricted rules, as /metrics would. */
    private static String scrape(String rules) throws Exception {
        JmxCollector c = new JmxCollector(PrometheusExposure.restrict(rules, PLATFORM, "test rules"));
        PrometheusRegistry r = new PrometheusRegistry();
        c.register(r);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, r.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aCatchAllRulesFileExportsOnlyVisibleMBeansAndAttributes() throws Exception {
        String hostile = new String(PrometheusExposureTest.class.getResourceAsStream("/attack/catch-all-rules.yaml")
                .readAllBytes(), StandardCharsets.UTF_8);
        String text = scrape(hostile);
        JmxCollector open = new JmxCollector(hostile);
        PrometheusRegistry r = new PrometheusRegistry();
        open.register(r);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(raw, r.scrape());
        String unrestricted = raw.toString(StandardCharsets.UTF_8);
        // without the restriction these rules export hidden MBeans and attributes (else this test proves nothing)
        assertTrue(unrestricted.contains("type=MemoryPool") && unrestricted.contains("attr=\"Pid\""), unrestricted);

        for (String hidden : new String[] {"type=MemoryPool", "type=BufferPool", "com.sun.management", "jdk.management",
                "java.util.logging", "jolokia", "attr=\"Pid\"", "attr=\"Name\",bean=\"java.lang<type=Runtime>",
                "ManagementSpecVersion", "SystemProperties", "InputArguments", "ClassPath"}) {
            assertFalse(text.contains(hidden), hidden + " leaked:\n" + text);
        }
        assertTrue(text.contains("attr=\"VmName\"") && text.contains("HeapMemoryUsage"),
                "allowed JVM health is still exported:\n" + text);
    }

    @Test
    void excludedNamesStayExcludedAndExplicitNarrowingIsKept() throws Exception {
        String text = scrape("""
                includeObjectNames: ["java.lang:type=Memory", "java.lang:type=Runtime"]
                excludeObjectNames: ["java.lang:type=Memory"]
                rules:
                  - pattern: '(.*)<(.*)>(\\w+): (.*)'
                    name: z_$3
                    value: 1
                """);
        assertTrue(text.contains("z_Uptime") || text.contains("z_uptime"), text);
        assertFalse(text.toLowerCase().contains("heapmemoryusage"), text);
    }

    @Test
    void aRulesFilePointingElsewhereIsRefusedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrometheusExposure.restrict(
                "jmxUrl: service:jmx:rmi:///jndi/rmi://10.0.0.1:9999/jmxrmi\nrules: []\n", PLATFORM,
                "prometheus.rulesFile: /etc/x.yaml"));
        assertTrue(e.getMessage().startsWith("prometheus.rulesFile: /etc/x.yaml: jmxUrl: not supported"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PrometheusExposure.restrict(
                "includeObjectNames: [':::']\n", PLATFORM, "r"));
        assertEquals("r: includeObjectNames: ':::' is not an ObjectName pattern", e.getMessage());
    }
}
