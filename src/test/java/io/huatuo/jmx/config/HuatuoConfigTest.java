package io.huatuo.jmx.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.tracer.dropwatch.Dropwatch;
import io.huatuo.jmx.tracer.dropwatch.DropwatchConfig;
import io.huatuo.jmx.tracer.hungtask.Hungtask;
import io.huatuo.jmx.tracer.hungtask.HungtaskConfig;
import io.huatuo.jmx.tracer.lacp.Lacp;
import io.huatuo.jmx.tracer.lacp.LacpConfig;
import io.huatuo.jmx.tracer.memreclaim.Memreclaim;
import io.huatuo.jmx.tracer.memreclaim.MemreclaimConfig;
import io.huatuo.jmx.tracer.netdev.Netdev;
import io.huatuo.jmx.tracer.netdev.NetdevConfig;
import io.huatuo.jmx.tracer.netrecvlat.Netrecvlat;
import io.huatuo.jmx.tracer.netrecvlat.NetrecvlatConfig;
import io.huatuo.jmx.tracer.oom.Oom;
import io.huatuo.jmx.tracer.oom.OomConfig;
import io.huatuo.jmx.tracer.softirq.Softirq;
import io.huatuo.jmx.tracer.softirq.SoftirqConfig;
import io.huatuo.jmx.tracer.softlockup.Softlockup;
import io.huatuo.jmx.tracer.softlockup.SoftlockupConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HuatuoConfigTest {

    @TempDir
    Path tmp;

    @Test
    void emptyTextOrOnlyCommentsIsTheDefaults() {
        assertEquals(HuatuoConfig.defaults(TracerRegistry.ALL), HuatuoConfig.parse("", "huatuo-jmx.yaml", TracerRegistry.ALL));
        assertEquals(HuatuoConfig.defaults(TracerRegistry.ALL), HuatuoConfig.parse("# nothing set\n\n", "huatuo-jmx.yaml", TracerRegistry.ALL));
        assertEquals(HuatuoConfig.defaults(TracerRegistry.ALL), HuatuoConfig.parse("---\n", "huatuo-jmx.yaml", TracerRegistry.ALL));
    }

    @Test
    void emptyFileIsTheDefaults() throws IOException {
        Path file = Files.createFile(tmp.resolve("huatuo-jmx.yaml"));
        assertEquals(HuatuoConfig.defaults(TracerRegistry.ALL), HuatuoConfig.load(file, TracerRegistry.ALL));
        assertEquals(HuatuoConfig.defaults(TracerRegistry.ALL), HuatuoConfig.load(Path.of("src/test/resources/config/empty.yaml"), TracerRegistry.ALL));
    }

    @Test
    void absentDefaultFileIsTheDefaults() {
        Path missing = tmp.resolve("etc/huatuo-jmx.yaml");
        HuatuoConfig c = HuatuoConfig.load(missing, missing, TracerRegistry.ALL);
        assertEquals(HuatuoConfig.defaults(TracerRegistry.ALL), c);
        assertEquals("defaults", c.source());
    }

    @Test
    void absentFileThatWasAskedForIsAnError() {
        Path missing = tmp.resolve("typo.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> HuatuoConfig.load(missing, TracerRegistry.ALL));
        assertEquals(missing + ": no such file", e.getMessage());
    }

    @Test
    void defaultsAreTheDocumentedValues() {
        HuatuoConfig c = HuatuoConfig.defaults(TracerRegistry.ALL);
        assertFalse(c.hostname().isEmpty(), "\"\" resolves to this machine's hostname");
        assertEquals("", c.region());
        assertEquals(Path.of("/var/lib/huatuo-jmx"), c.dataDir());
        assertFalse(c.console());
        assertEquals(new RecordConfig(true, 104_857_600L, 10), c.record());
        assertEquals(new JmxConfig(true, "127.0.0.1", 9875, "", "", false, "", "", 1000), c.jmx());
        assertEquals(new DnsConfig(true, 100, 600), c.dns());
    }

    @Test
    void everyTracerHasItsDefaults() {
        HuatuoConfig c = HuatuoConfig.defaults(TracerRegistry.ALL);
        assertEquals(new SoftirqConfig(true, 100, 100, 10), c.tracer(Softirq.TYPE));
        assertEquals(new DropwatchConfig(true, 100, List.of("QUEUE_PURGE", "TCP_CLOSE", "TCP_ABORT_ON_DATA",
                "TCP_OLD_DATA", "TCP_OLD_SEQUENCE", "TCP_OFOMERGE", "TCP_RFC7323_PAWS_ACK"), null, true, true),
                c.tracer(Dropwatch.TYPE));
        assertEquals(new NetrecvlatConfig(true, 100, 5, 10, 115), c.tracer(Netrecvlat.TYPE));
        assertEquals(new OomConfig(true, 100), c.tracer(Oom.TYPE));
        assertEquals(new SoftlockupConfig(true, 100, false), c.tracer(Softlockup.TYPE));
        assertEquals(new HungtaskConfig(true, 100), c.tracer(Hungtask.TYPE));
        assertEquals(new MemreclaimConfig(true, 100, 900, 1000), c.tracer(Memreclaim.TYPE));
        assertEquals(new NetdevConfig(true, 100, List.of(), List.of()), c.tracer(Netdev.TYPE));
        assertEquals(new LacpConfig(true, 100, 1000), c.tracer(Lacp.TYPE));
        for (String name : TracerRegistry.names()) {
            assertTrue(c.tracer(name).enabled(), name);
            assertEquals(100, c.tracer(name).maxEventsPerSecond(), name);
        }
    }

    @Test
    void tracerByNameCoversEveryRegisteredTracerAndRejectsOthers() {
        HuatuoConfig c = HuatuoConfig.defaults(TracerRegistry.ALL);
        // the first nine are the contract's, in its order; later tracers come after them
        assertEquals(List.of("softirq", "dropwatch", "netrecvlat", "oom", "softlockup", "hungtask", "memreclaim",
                "netdev", "lacp"), TracerRegistry.names().subList(0, 9));
        assertEquals(TracerRegistry.names(), c.tracerNames());
        assertEquals(TracerRegistry.names(), List.copyOf(c.tracers().keySet()));
        assertSame(c.tracer(Dropwatch.TYPE), c.tracer("dropwatch"));
        assertTrue(c.tracer("memreclaim") instanceof MemreclaimConfig);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.tracer("dropwach"));
        assertTrue(e.getMessage().startsWith("unknown tracer 'dropwach', known: softirq, dropwatch"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> c.tracers().put("x", c.tracer(Oom.TYPE)));
    }

    @Test
    void fullExampleReadsBackEveryValue() {
        HuatuoConfig c = HuatuoConfig.load(Path.of("src/test/resources/config/full.yaml"), TracerRegistry.ALL);
        assertEquals("node-7.example", c.hostname());
        assertEquals("zjy04", c.region());
        assertEquals(Path.of("/srv/huatuo"), c.dataDir());
        assertTrue(c.console());
        assertEquals(new RecordConfig(false, 1_048_576L, 3), c.record());
        assertEquals(new JmxConfig(false, "0.0.0.0", 0, "", "", false, "", "", 1000), c.jmx());
        assertEquals(new DnsConfig(false, 0, 30), c.dns());
        assertEquals(new SoftirqConfig(false, 1, 30, 2), c.tracer(Softirq.TYPE));
        assertEquals(new DropwatchConfig(false, 1_000_000, List.of(),
                "src/test/resources/config/full.yaml: tracers.dropwatch.excludeReasons", false, false), c.tracer(Dropwatch.TYPE));
        assertEquals("src/test/resources/config/full.yaml: tracers.dropwatch.excludeReasons",
                c.tracer(Dropwatch.TYPE).excludeReasonsSetIn(), "where a non-default list was set, for the warning");
        assertEquals(new NetrecvlatConfig(false, 7, 1, 2, 3_600_000), c.tracer(Netrecvlat.TYPE));
        assertEquals(new OomConfig(false, 8), c.tracer(Oom.TYPE));
        assertEquals(new SoftlockupConfig(false, 9, true), c.tracer(Softlockup.TYPE));
        assertEquals(new HungtaskConfig(false, 10), c.tracer(Hungtask.TYPE));
        assertEquals(new MemreclaimConfig(false, 11, 50, 50), c.tracer(Memreclaim.TYPE));
        assertEquals(new NetdevConfig(false, 12, List.of("eth*", "bond[0-9]", "en{o,p}*"), List.of("eth9")),
                c.tracer(Netdev.TYPE));
        assertEquals(new LacpConfig(false, 13, 10), c.tracer(Lacp.TYPE));
        for (String name : List.of("softirq", "dropwatch", "netrecvlat", "oom", "softlockup", "hungtask", "memreclaim",
                "netdev", "lacp")) {
            assertFalse(c.tracer(name).enabled(), name);
        }
        assertEquals("src/test/resources/config/full.yaml", c.source());
        assertNotEquals(HuatuoConfig.defaults(TracerRegistry.ALL), c);
        // The same text gives an equal configuration (source names do not take part).
        assertEquals(c, HuatuoConfig.parse(read("src/test/resources/config/full.yaml"), "other", TracerRegistry.ALL));
    }

    /** The keys every tracer has, for each registered tracer (full.yaml covers the tracers' own keys). */
    @Test
    void everyRegisteredTracerReadsItsCommonKeysBack() {
        List<String> names = TracerRegistry.names();
        StringBuilder yaml = new StringBuilder("tracers:\n");
        for (int i = 0; i < names.size(); i++) {
            yaml.append("  ").append(names.get(i)).append(": { enabled: false, maxEventsPerSecond: ").append(i + 1)
                    .append(" }\n");
        }
        HuatuoConfig c = HuatuoConfig.parse(yaml.toString(), "x", TracerRegistry.ALL);
        for (int i = 0; i < names.size(); i++) {
            assertFalse(c.tracer(names.get(i)).enabled(), names.get(i));
            assertEquals(i + 1, c.tracer(names.get(i)).maxEventsPerSecond(), names.get(i));
        }
    }

    @Test
    void partialBlocksKeepTheOtherDefaults() {
        HuatuoConfig c = HuatuoConfig.parse("tracers:\n  dropwatch:\n    maxEventsPerSecond: 5\njmx:\n  port: 1234\n",
                "huatuo-jmx.yaml", TracerRegistry.ALL);
        assertEquals(new DropwatchConfig(true, 5, DropwatchConfig.DEFAULT_EXCLUDE_REASONS, null, true, true),
                c.tracer(Dropwatch.TYPE));
        assertEquals(new JmxConfig(true, "127.0.0.1", 1234, "", "", false, "", "", 1000), c.jmx());
        assertEquals(HuatuoConfig.defaults(TracerRegistry.ALL).tracer(Softirq.TYPE), c.tracer(Softirq.TYPE));
        assertEquals(HuatuoConfig.defaults(TracerRegistry.ALL).record(), c.record());
    }

    @Test
    void blockWithEveryKeyCommentedOutIsAllDefaults() {
        HuatuoConfig c = HuatuoConfig.parse("record:\n  # maxFiles: 3\ntracers:\n  oom:\n", "huatuo-jmx.yaml", TracerRegistry.ALL);
        assertEquals(HuatuoConfig.defaults(TracerRegistry.ALL), c);
    }

    @Test
    void listsAreImmutable() {
        HuatuoConfig c = HuatuoConfig.parse("tracers:\n  netdev:\n    include: [eth0]\n", "x", TracerRegistry.ALL);
        assertThrows(UnsupportedOperationException.class, () -> c.tracer(Netdev.TYPE).include().add("eth1"));
        assertThrows(UnsupportedOperationException.class, () -> c.tracer(Dropwatch.TYPE).excludeReasons().clear());
    }

    @Test
    void toStringShowsTheEffectiveSettings() {
        String s = HuatuoConfig.parse("region: r1\n", "x", TracerRegistry.ALL).toString();
        assertTrue(s.contains("region=r1") && s.contains("maxEventsPerSecond=100") && s.contains("source=x"), s);
    }

    @Test
    void tracerMapIsInContractOrder() {
        Map<String, TracerConfig> tracers = HuatuoConfig.defaults(TracerRegistry.ALL).tracers();
        assertEquals(TracerRegistry.names(), List.copyOf(tracers.keySet()));
    }

    static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
