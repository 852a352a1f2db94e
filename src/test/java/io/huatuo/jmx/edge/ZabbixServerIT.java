package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.TestDaemon;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.TracerType;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both Zabbix templates in a real Zabbix 6.0 server (Debian's packages, see {@link ZabbixServer}):
 * imported through the API, linked to one host each (JMX interface through the Java gateway; HTTP
 * agent on Jolokia with basic authentication), both pointed at the real daemon. Discovery must create
 * the per-tracer items, every item must be supported and have a value (LastEvent fields included),
 * and a provoked drop must fire the "new events" trigger of both hosts. Intervals come from the
 * templates' macros, set to seconds on the hosts.
 */
class ZabbixServerIT {
    private static final List<String> TRACERS = TracerRegistry.names();
    private static final String JMX_HOST = "huatuo-6z-jmx";
    private static final String HTTP_HOST = "huatuo-6z-http";
    private static Path secrets;
    private static TestDaemon daemon;
    private static NetnsPair net;
    private static ZabbixServer zabbix;
    private static final Map<String, String> hostids = new TreeMap<>();

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        ZabbixServer.requirePackages();
        secrets = Files.createTempDirectory("huatuo-6z-secrets");
        Path password = secrets.resolve("jmxremote.password");
        TestDaemon.secret(password, "zabbix z4bb1x\n");
        Path access = secrets.resolve("jmxremote.access");
        Files.writeString(access, "zabbix readonly\n");
        Path jolokiaPassword = secrets.resolve("jolokia.password");
        TestDaemon.secret(jolokiaPassword, "j0l0k1a\n");
        daemon = TestDaemon.start(IntegrationsIT.TRACERS, "  passwordFile: " + password + "\n  accessFile: " + access + "\n",
                "  user: zabbix\n  passwordFile: " + jolokiaPassword + "\n", "", new String[] {"zabbix", "z4bb1x"});
        net = new NetnsPair();
        // one drop before Zabbix polls: LastEvent (null before the first event) has fields to read
        daemon.provokeDrop(net);
        zabbix = ZabbixServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (zabbix != null) {
                zabbix.close();
            }
        } finally {
            if (net != null) {
                net.close();
            }
            if (daemon != null) {
                daemon.close();
            }
            if (secrets != null) {
                TestDaemon.deleteTree(secrets);
            }
        }
    }

    @Test
    void bothTemplatesWorkInARealServer() throws Exception {
        long t0 = System.currentTimeMillis();
        for (String t : List.of("huatuo-jmx_by_jmx.yaml", "huatuo-jmx_by_http.yaml")) {
            JsonNode r = zabbix.call("configuration.import", Map.of("format", "yaml",
                    "source", Files.readString(Path.of("zabbix-templates", t)), "rules", Map.of(
                            "groups", Map.of("createMissing", true),
                            "templates", Map.of("createMissing", true, "updateExisting", true),
                            "items", Map.of("createMissing", true, "updateExisting", true),
                            "discoveryRules", Map.of("createMissing", true, "updateExisting", true),
                            "triggers", Map.of("createMissing", true, "updateExisting", true),
                            "valueMaps", Map.of("createMissing", true, "updateExisting", true))));
            assertTrue(r.asBoolean(), t + " import: " + r);
        }
        Map<String, String> templates = new TreeMap<>();
        zabbix.call("template.get", Map.of("output", List.of("host"))).forEach(
                t -> templates.put(t.get("host").asText(), t.get("templateid").asText()));
        // the server's own host polls an agent that is not there: switched off, less noise in the logs
        for (JsonNode h : zabbix.call("host.get", Map.of("filter", Map.of("host", "Zabbix server")))) {
            zabbix.call("host.update", Map.of("hostid", h.get("hostid").asText(), "status", 1));
        }
        String group = zabbix.call("hostgroup.create", Map.of("name", "huatuo 6z")).get("groupids").get(0).asText();
        List<Map<String, String>> fast = List.of(macro("{$HUATUO.INTERVAL}", "3s"),
                macro("{$HUATUO.INTERVAL.SLOW}", "10s"), macro("{$HUATUO.LLD.INTERVAL}", "5s"));
        String jmxPort = daemon.service.jmxUrl().getURLPath().replaceAll(".*:(\\d+)/jmxrmi", "$1");
        List<Map<String, String>> jmxMacros = new ArrayList<>(fast);
        jmxMacros.add(macro("{$HUATUO.JMX.USER}", "zabbix"));
        jmxMacros.add(macro("{$HUATUO.JMX.PASSWORD}", "z4bb1x"));
        hostids.put(JMX_HOST, createHost(JMX_HOST, group, templates.get("huatuo-jmx by JMX"), 4, jmxPort, jmxMacros));
        URI jolokia = URI.create(daemon.service.jolokiaUrl());
        List<Map<String, String>> httpMacros = new ArrayList<>(fast);
        httpMacros.add(macro("{$HUATUO.JOLOKIA.PORT}", "" + jolokia.getPort()));
        httpMacros.add(macro("{$HUATUO.JOLOKIA.PATH}", jolokia.getPath()));
        httpMacros.add(macro("{$HUATUO.JOLOKIA.USER}", "zabbix"));
        httpMacros.add(macro("{$HUATUO.JOLOKIA.PASSWORD}", "j0l0k1a"));
        // HTTP-agent items need no interface, but {HOST.CONN} comes from the host's main one
        hostids.put(HTTP_HOST, createHost(HTTP_HOST, group, templates.get("huatuo-jmx by HTTP"), 1, "10050", httpMacros));
        // discovery creates the 11 prototypes for every tracer, and every item gets a value
        for (String host : hostids.keySet()) {
            JsonNode items = awaitItems(host, 120000, all -> problems(all).isEmpty());
            int discovered = 0;
            for (JsonNode i : items) {
                discovered += i.get("flags").asInt() == 4 ? 1 : 0;
            }
            assertEquals(11 * TRACERS.size(), discovered, host + " discovered items");
            for (String t : TRACERS) {
                assertTrue(items.toString().contains("name=" + t + "\\\",EventCount]")
                        || items.toString().contains("huatuo.tracer[" + t + ",EventCount]"), host + " has no items of " + t);
            }
            String reason = value(items, "LastEvent.reason");
            assertTrue(reason.matches("[A-Z][A-Z0-9_]+"), host + " dropwatch LastEvent.reason = " + reason);
            assertEquals("RUNNING", value(items, "dropwatch", "State"), host + " dropwatch state");
            System.out.println("zabbix server: " + host + " has " + items.size() + " items (" + discovered
                    + " discovered), all supported, dropwatch last drop " + reason + ", after "
                    + (System.currentTimeMillis() - t0) + " ms");
        }

        // the same with a wrong {$HUATUO.JOLOKIA.PASSWORD}: an error on the Jolokia item, not values. Only
        // now and only until that is seen: the daemon makes an address with failed logins wait, and the
        // good hosts poll from the same address
        List<Map<String, String>> wrong = new ArrayList<>(httpMacros);
        wrong.set(wrong.size() - 1, macro("{$HUATUO.JOLOKIA.PASSWORD}", "wrong"));
        String badHost = createHost(HTTP_HOST + "-wrong-password", group, templates.get("huatuo-jmx by HTTP"), 1, "10050", wrong);
        JsonNode raw = null;
        for (long until = System.currentTimeMillis() + 60000; System.currentTimeMillis() < until; Thread.sleep(1000)) {
            raw = zabbix.call("item.get", Map.of("hostids", List.of(badHost), "filter", Map.of("key_", "huatuo.jolokia.read"),
                    "output", List.of("state", "error"))).get(0);
            if (raw.get("state").asInt() == 1) {
                break;
            }
        }
        zabbix.call("host.update", Map.of("hostid", badHost, "status", 1));
        assertEquals(1, raw.get("state").asInt(), "Jolokia item with a wrong password: " + raw);
        assertTrue(raw.get("error").asText().contains("401"), raw.toString());
        System.out.println("zabbix server: wrong Jolokia password -> " + raw.get("error").asText());

        // the severities of the LLD overrides reached the discovered triggers
        JsonNode triggers = zabbix.call("trigger.get", Map.of("hostids", hostids.values(), "output",
                List.of("description", "priority"), "filter", Map.of("flags", 4)));
        Map<String, Integer> severity = new TreeMap<>();
        triggers.forEach(t -> severity.put(t.get("description").asText(), t.get("priority").asInt()));
        Map<Severity, Integer> priority = Map.of(Severity.WARNING, 2, Severity.AVERAGE, 3, Severity.HIGH, 4);
        for (TracerType<?> t : TracerRegistry.ALL) {
            assertEquals(priority.get(t.severity()), severity.get("huatuo " + t.name() + ": new events"), severity.toString());
        }

        // a new drop: the EventCount items change, "new events" fires on both hosts
        daemon.provokeDrop(net);
        long events = daemon.counter("dropwatch", "EventCount");
        for (String host : hostids.keySet()) {
            awaitItems(host, 60000, all -> Long.parseLong(value(all, "dropwatch", "EventCount")) >= events);
        }
        // change(EventCount)>0 may already be a problem from drops elsewhere on this machine: any
        // problem of the trigger counts, resolved ones too (recent)
        long end = System.currentTimeMillis() + 60000;
        List<String> onHosts = new ArrayList<>();
        while (onHosts.size() < 2 && System.currentTimeMillis() < end) {
            onHosts.clear();
            for (String host : hostids.keySet()) {
                JsonNode p = zabbix.call("problem.get", Map.of("hostids", List.of(hostids.get(host)), "recent", true,
                        "search", Map.of("name", "dropwatch: new events")));
                if (p.size() > 0) {
                    onHosts.add(host);
                }
            }
            Thread.sleep(1000);
        }
        assertEquals(List.of(HTTP_HOST, JMX_HOST), onHosts, "hosts with a dropwatch \"new events\" problem\n" + zabbix.logs());
        System.out.println("zabbix server: dropwatch \"new events\" fired on " + onHosts + " ("
                + (System.currentTimeMillis() - t0) + " ms after the import)");
    }

    private static Map<String, String> macro(String name, String value) {
        return Map.of("macro", name, "value", value);
    }

    private static String createHost(String name, String group, String template, int type, String port,
            List<Map<String, String>> macros) throws Exception {
        assertTrue(template != null, "template of " + name + " not imported");
        return zabbix.call("host.create", Map.of("host", name, "groups", List.of(Map.of("groupid", group)),
                "templates", List.of(Map.of("templateid", template)),
                "interfaces", List.of(Map.of("type", type, "main", 1, "useip", 1, "ip", "127.0.0.1", "dns", "",
                        "port", port)),
                "macros", macros)).get("hostids").get(0).asText();
    }

    /** Items not yet fine: unsupported, with an error, or without a value (the raw Jolokia item keeps none). */
    private static List<String> problems(JsonNode items) {
        List<String> bad = new ArrayList<>();
        for (JsonNode i : items) {
            boolean stored = !i.get("key_").asText().equals("huatuo.jolokia.read");
            if (i.get("state").asInt() != 0 || !i.get("error").asText().isEmpty()
                    || stored && i.get("lastclock").asLong() == 0) {
                bad.add(i.get("key_").asText() + " state=" + i.get("state").asText() + " error=" + i.get("error").asText()
                        + " lastclock=" + i.get("lastclock").asText());
            }
        }
        if (items.size() < 20) {
            bad.add("only " + items.size() + " items");
        }
        return bad;
    }

    /** Polls item.get for the host until the condition holds; fails with what is wrong then. */
    private static JsonNode awaitItems(String host, long millis, Predicate<JsonNode> ok) throws Exception {
        long end = System.currentTimeMillis() + millis;
        JsonNode items = null;
        while (System.currentTimeMillis() < end) {
            items = zabbix.call("item.get", Map.of("hostids", List.of(hostids.get(host)), "output",
                    List.of("key_", "state", "error", "lastvalue", "lastclock", "flags")));
            try {
                if (ok.test(items)) {
                    return items;
                }
            } catch (RuntimeException notYet) {
                // e.g. an item without a value yet
            }
            Thread.sleep(1000);
        }
        JsonNode last = items;
        throw new AssertionError(host + ": not within " + millis + " ms; items not fine:\n"
                + String.join("\n", last == null ? List.of() : problems(last)) + "\n" + zabbix.logs());
    }

    /** lastvalue of the one item whose key contains all parts. */
    private static String value(JsonNode items, String... parts) {
        for (JsonNode i : items) {
            String k = i.get("key_").asText();
            if (java.util.Arrays.stream(parts).allMatch(k::contains)) {
                return i.get("lastvalue").asText();
            }
        }
        throw new IllegalStateException("no item with " + String.join(", ", parts));
    }
}
