package io.huatuo.jmx.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.registry.TracerRegistry;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** Every error names the source, the key's full dotted path and the bad value. */
class ConfigErrorsTest {

    private static ConfigException error(String yaml) {
        return assertThrows(ConfigException.class, () -> HuatuoConfig.parse(yaml, "huatuo-jmx.yaml", TracerRegistry.ALL));
    }

    private static void assertError(String expectedMessage, String expectedKey, String yaml) {
        ConfigException e = error(yaml);
        assertEquals(expectedMessage, e.getMessage());
        assertEquals(expectedKey, e.key());
    }

    @Test
    void unknownTopLevelKey() {
        assertError("huatuo-jmx.yaml: unknown key 'dataDirectory' (known here: hostname, region, dataDir, console,"
                + " stackAddresses, record, jmx, jolokia, prometheus, dns, kernelCost, tracers)", "dataDirectory", "dataDirectory: /tmp\n");
    }

    @Test
    void unknownNestedKey() {
        ConfigException e = error("tracers:\n  dropwatch:\n    maxEvent: 5\n");
        assertTrue(e.getMessage().startsWith("huatuo-jmx.yaml: unknown key 'tracers.dropwatch.maxEvent'"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("(known here: enabled, maxEventsPerSecond, excludeReasons, excludeTimeWait, excludeLateSegments)"),
                e.getMessage());
        assertEquals("tracers.dropwatch.maxEvent", e.key());
    }

    @Test
    void unknownTracerName() {
        ConfigException e = error("tracers:\n  dropwach: {}\n");
        assertTrue(e.getMessage().startsWith("huatuo-jmx.yaml: unknown key 'tracers.dropwach' (known here: softirq,"),
                e.getMessage());
    }

    @Test
    void integerGivenText() {
        assertError("huatuo-jmx.yaml: jmx.port: expected an integer, got \"abc\"", "jmx.port", "jmx:\n  port: abc\n");
    }

    @Test
    void integerGivenAFractionOrNothing() {
        assertError("huatuo-jmx.yaml: dns.timeoutMillis: expected an integer, got 1.5", "dns.timeoutMillis",
                "dns:\n  timeoutMillis: 1.5\n");
        assertError("huatuo-jmx.yaml: jmx.port: expected an integer, got \"\"", "jmx.port", "jmx:\n  port:\n");
        assertError("huatuo-jmx.yaml: jmx.port: expected an integer, got null", "jmx.port", "jmx:\n  port: ~\n");
    }

    @Test
    void booleanGivenText() {
        assertError("huatuo-jmx.yaml: tracers.oom.enabled: expected true or false, got \"maybe\"",
                "tracers.oom.enabled", "tracers:\n  oom:\n    enabled: maybe\n");
    }

    @Test
    void stringGivenANumber() {
        assertError("huatuo-jmx.yaml: region: expected a string, got 2024 (put it in quotes)", "region",
                "region: 2024\n");
    }

    @Test
    void blockGivenAScalar() {
        assertError("huatuo-jmx.yaml: record: expected a block of keys, got 5", "record", "record: 5\n");
    }

    @Test
    void listGivenAScalar() {
        assertError("huatuo-jmx.yaml: tracers.netdev.include: expected a list, got \"eth0\"", "tracers.netdev.include",
                "tracers:\n  netdev:\n    include: eth0\n");
    }

    @Test
    void outOfRange() {
        assertError("huatuo-jmx.yaml: tracers.dropwatch.maxEventsPerSecond: must be between 1 and 1000000, got 0",
                "tracers.dropwatch.maxEventsPerSecond", "tracers:\n  dropwatch:\n    maxEventsPerSecond: 0\n");
        assertError("huatuo-jmx.yaml: jmx.port: must be between 0 and 65535, got 65536", "jmx.port",
                "jmx:\n  port: 65536\n");
        assertError("huatuo-jmx.yaml: record.maxFileBytes: must be between 1024 and 1099511627776, got 1023",
                "record.maxFileBytes", "record:\n  maxFileBytes: 1023\n");
        assertError("huatuo-jmx.yaml: tracers.softirq.thresholdMillis: must be between 1 and 3600000, got -5",
                "tracers.softirq.thresholdMillis", "tracers:\n  softirq:\n    thresholdMillis: -5\n");
    }

    @Test
    void kernelCostWindowMustFitInItsPeriod() {
        assertError("huatuo-jmx.yaml: kernelCost.windowSeconds: must be less than periodSeconds (10), got 10",
                "kernelCost.windowSeconds", "kernelCost:\n  periodSeconds: 10\n  windowSeconds: 10\n");
        assertError("huatuo-jmx.yaml: kernelCost.windowSeconds: must be between 1 and 60, got 0",
                "kernelCost.windowSeconds", "kernelCost:\n  windowSeconds: 0\n");
    }

    @Test
    void integerTooBigForAnyType() {
        assertError("huatuo-jmx.yaml: record.maxFiles: must be between 1 and 1000, got 99999999999999999999999",
                "record.maxFiles", "record:\n  maxFiles: 99999999999999999999999\n");
    }

    @Test
    void badListElementNamesItsIndex() {
        assertError("huatuo-jmx.yaml: tracers.dropwatch.excludeReasons[1]: expected an upper-case identifier"
                        + " ([A-Z0-9_]+), got \"tcp_close\"", "tracers.dropwatch.excludeReasons[1]",
                "tracers:\n  dropwatch:\n    excludeReasons: [QUEUE_PURGE, tcp_close]\n");
        assertError("huatuo-jmx.yaml: tracers.netdev.exclude[0]: expected an interface name glob such as eth* or"
                        + " bond?, got \"eth[\"", "tracers.netdev.exclude[0]",
                "tracers:\n  netdev:\n    exclude: [\"eth[\"]\n");
    }

    @Test
    void memreclaimWindowShorterThanThresholdNamesBothKeys() {
        assertError("huatuo-jmx.yaml: tracers.memreclaim.windowMillis: must be at least"
                        + " tracers.memreclaim.thresholdMillis (900), got 500", "tracers.memreclaim.windowMillis",
                "tracers:\n  memreclaim:\n    windowMillis: 500\n");
    }

    @Test
    void relativeDataDir() {
        assertError("huatuo-jmx.yaml: dataDir: must be an absolute path, got \"var/lib\"", "dataDir",
                "dataDir: var/lib\n");
    }

    @Test
    void controlCharactersInAString() {
        assertError("huatuo-jmx.yaml: region: must not contain control characters, got \"a\\nb\"", "region",
                "region: \"a\\nb\"\n");
    }

    @Test
    void emptyJmxHost() {
        assertError("huatuo-jmx.yaml: jmx.host: must be an address or a host name, got \"\"", "jmx.host",
                "jmx:\n  host: \"\"\n");
    }

    @Test
    void topLevelThatIsNotKeys() {
        assertError("huatuo-jmx.yaml: expected keys at the top level, got [\"a\",\"b\"]", null, "- a\n- b\n");
    }

    @Test
    void yamlSyntaxErrorNamesLineAndColumn() {
        ConfigException e = error("dns:\n  enabled: true\nregion: x: y\n");
        assertEquals("huatuo-jmx.yaml: line 3, column 10: YAML syntax error: mapping values are not allowed here",
                e.getMessage());
        assertEquals(null, e.key());
    }

    @Test
    void yamlSyntaxErrorInAFileNamesTheFile() {
        Path file = Path.of("src/test/resources/config/syntax-error.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> HuatuoConfig.load(file, TracerRegistry.ALL));
        assertTrue(e.getMessage().startsWith(file + ": line 3, column "), e.getMessage());
        assertTrue(e.getMessage().contains("YAML syntax error: "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void tabIndentationIsReportedWhereTheTabIs() {
        ConfigException e = error("jmx:\n\tport: 1\n");
        assertTrue(e.getMessage().startsWith("huatuo-jmx.yaml: line 2, column 1: YAML syntax error: "), e.getMessage());
        assertTrue(e.getMessage().contains("(Do not use \\t(TAB) for indentation)"), e.getMessage());
    }

    @Test
    void positionComesFromTheMarkNotFromTheExcerpt() {
        // SnakeYAML quotes the offending line after the mark; text in it must not pass for a position.
        ConfigException e = error("region: x: line 9, column 9\n");
        assertEquals("huatuo-jmx.yaml: line 1, column 10: YAML syntax error: mapping values are not allowed here",
                e.getMessage());
    }

    @Test
    void keyGivenTwiceIsAnError() {
        ConfigException e = error("region: a\nregion: b\n");
        assertTrue(e.getMessage().startsWith("huatuo-jmx.yaml: line 2, column "), e.getMessage());
        assertTrue(e.getMessage().contains("Duplicate field 'region'"), e.getMessage());
    }

    @Test
    void endpointFilesMustExistAndComeInPairs() {
        assertError("huatuo-jmx.yaml: jmx.passwordFile: no readable file at \"/nonexistent/jmx.password\"",
                "jmx.passwordFile", "jmx:\n  passwordFile: /nonexistent/jmx.password\n");
        assertError("huatuo-jmx.yaml: jmx.accessFile: needs jmx.passwordFile: roles apply to authenticated users",
                "jmx.accessFile", "jmx:\n  accessFile: /etc/hostname\n");
        assertError("huatuo-jmx.yaml: jolokia.passwordFile: must be set together with jolokia.user",
                "jolokia.passwordFile", "jolokia:\n  user: ops\n");
        assertError("huatuo-jmx.yaml: prometheus.rulesFile: must be an absolute path, got \"rules.yaml\"",
                "prometheus.rulesFile", "prometheus:\n  rulesFile: rules.yaml\n");
        assertError("huatuo-jmx.yaml: jmx.keyStorePasswordFile: must be set together with jmx.keyStore",
                "jmx.keyStorePasswordFile", "jmx:\n  ssl: true\n  keyStore: /etc/hostname\n");
        assertError("huatuo-jmx.yaml: jmx.keyStore: needs jmx.ssl: true", "jmx.keyStore",
                "jmx:\n  keyStore: /etc/hostname\n  keyStorePasswordFile: /etc/hostname\n");
    }

    @Test
    void notificationBufferIsBoundedBelowTheHeap() {
        assertError("huatuo-jmx.yaml: jmx.notificationBuffer: must be between 100 and 20000, got 1000000",
                "jmx.notificationBuffer", "jmx:\n  notificationBuffer: 1000000\n");
        assertError("huatuo-jmx.yaml: jmx.notificationBuffer: must be between 100 and 20000, got 0",
                "jmx.notificationBuffer", "jmx:\n  notificationBuffer: 0\n");
    }

    @Test
    void stackAddressesIsHiddenOrShown() {
        assertError("huatuo-jmx.yaml: stackAddresses: expected one of hidden, shown, got \"visible\"", "stackAddresses",
                "stackAddresses: visible\n");
        assertEquals(false, HuatuoConfig.defaults(TracerRegistry.ALL).stackAddressesShown());
        assertEquals(true, HuatuoConfig.parse("stackAddresses: shown\n", "t", TracerRegistry.ALL).stackAddressesShown());
    }

    @Test
    void httpLimitsAreValidated() {
        assertError("huatuo-jmx.yaml: jolokia.maxRequestBytes: must be between 1024 and 16777216, got 100",
                "jolokia.maxRequestBytes", "jolokia:\n  maxRequestBytes: 100\n");
        assertError("huatuo-jmx.yaml: jolokia.maxBulkRequests: must be between 1 and 10000, got 0",
                "jolokia.maxBulkRequests", "jolokia:\n  maxBulkRequests: 0\n");
        assertError("huatuo-jmx.yaml: prometheus.allowedHosts[0]: expected a host name, got \"evil example\"",
                "prometheus.allowedHosts[0]", "prometheus:\n  allowedHosts: [\"evil example\"]\n");
    }
}
