package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.Chromium;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.TestDaemon;
import io.huatuo.jmx.tracer.Severity;
import io.huatuo.jmx.tracer.TracerType;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
 * Both Zabbix templates in a real Zabbix 6.0 server (Debian's packages, see {@link ZabbixServer}),
 * as an admin would use them: imported through the API, linked to one host each (JMX interface
 * through the Java gateway; HTTP agent on Jolokia with basic authentication), both pointed at a
 * fresh daemon. On a healthy host with no events no item is unsupported; after a provoked drop
 * still none is, the dropwatch LastEvent items have values, the "new anomalies" problem opens on
 * both hosts and resolves by itself once the tracer is quiet. Then a browser looks at the
 * frontend: Latest data of the host and the template dashboard, saved as PNGs under
 * target/zabbix-screenshots/ and checked for PHP errors and the tracers' items.
 */
class ZabbixServerIT {
    private static final List<String> TRACERS = TracerRegistry.names();
    private static final String JMX_HOST = "huatuo-6z-jmx";
    private static final String HTTP_HOST = "huatuo-6z-http";
    private static final Path SCREENSHOTS = Path.of("target/zabbix-screenshots");
    private static Path secrets;
    private static TestDaemon daemon;
    private static NetnsPair net;
    private static ZabbixServer zabbix;
    private static final Map<String, String> hostids = new TreeMap<>();

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        ZabbixServer.requirePackages();
        Chromium.require();
        secrets = Files.createTempDirectory("huatuo-6z-secrets");
        Path password = secrets.resolve("jmxremote.password");
        TestDaemon.secret(password, "zabbix z4bb1x\nadmin 4dm1n\n");
        Path access = secrets.resolve("jmxremote.access");
        Files.writeString(access, "zabbix readonly\nadmin readwrite\n");
        Path jolokiaPassword = secrets.resolve("jolokia.password");
        TestDaemon.secret(jolokiaPassword, "j0l0k1a\n");
        // a fresh daemon with dropwatch off until the test switches it on (as admin; Zabbix reads as a readonly
        // user): no tracer has an event yet, LastEvent is null everywhere, whatever else drops on this machine
        zabbix = ZabbixServer.start();
        daemon = TestDaemon.start(IntegrationsIT.TRACERS + "    enabled: false\n",
                "  passwordFile: " + password + "\n  accessFile: " + access + "\n",
                "  user: zabbix\n  passwordFile: " + jolokiaPassword + "\n", "", new String[] {"admin", "4dm1n"});
        net = new NetnsPair();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (String t : List.of("dropwatch", "netrecvlat")) { // what the tracers saw meanwhile, for a person
                if (daemon != null && Files.exists(daemon.service.recordFile(t))) {
                    Files.createDirectories(SCREENSHOTS);
                    Files.copy(daemon.service.recordFile(t), SCREENSHOTS.resolve(t + "-record.txt"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
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
    void bothTemplatesInARealServerBeforeAndAfterAnEvent() throws Exception {
        long t0 = System.currentTimeMillis();
        for (String t : List.of("huatuo-jmx_by_jmx.yaml", "huatuo-jmx_by_http.yaml")) {
            Map<String, Object> createAndUpdate = Map.of("createMissing", true, "updateExisting", true);
            JsonNode r = zabbix.call("configuration.import", Map.of("format", "yaml",
                    "source", Files.readString(Path.of("zabbix-templates", t)), "rules", Map.of(
                            "groups", Map.of("createMissing", true),
                            "templates", createAndUpdate, "items", createAndUpdate, "discoveryRules", createAndUpdate,
                            "triggers", createAndUpdate, "graphs", createAndUpdate, "valueMaps", createAndUpdate,
                            "templateDashboards", createAndUpdate)));
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
        // seconds instead of minutes; one dropwatch drop is an anomaly here, and 15 quiet seconds end it
        List<Map<String, String>> fast = List.of(macro("{$HUATUO.INTERVAL}", "3s"),
                macro("{$HUATUO.INTERVAL.SLOW}", "10s"), macro("{$HUATUO.LLD.INTERVAL}", "5s"),
                macro("{$HUATUO.OCCURRENCES.MAX:\"dropwatch\"}", "0"), macro("{$HUATUO.QUIET.PERIOD:\"dropwatch\"}", "15s"),
                macro("{$HUATUO.LLD.FILTER.TRACER.NOT_MATCHES}", "^lacp$")); // no bonds on this machine
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
        // the same with a wrong {$HUATUO.JOLOKIA.PASSWORD}: an error on the Jolokia item, not values. Read
        // every 20 s and switched off after its first failure: more than 3 wrong passwords from one address
        // make every login from it wait (LoginGuard), and the good hosts share 127.0.0.1 with it
        List<Map<String, String>> wrong = new ArrayList<>(httpMacros);
        wrong.replaceAll(m -> m.get("macro").equals("{$HUATUO.INTERVAL}") ? macro("{$HUATUO.INTERVAL}", "20s") : m);
        wrong.set(wrong.size() - 1, macro("{$HUATUO.JOLOKIA.PASSWORD}", "wrong"));
        String badHost = createHost(HTTP_HOST + "-wrong-password", group, templates.get("huatuo-jmx by HTTP"), 1, "10050", wrong);
        // hosts are created disabled and switched on once all exist: the server's configuration cache,
        // reading its tables one by one every second, once saw a new host's items before its macros and
        // marked an item "Invalid update interval {$HUATUO.INTERVAL}"
        for (String host : List.of(hostids.get(JMX_HOST), hostids.get(HTTP_HOST), badHost)) {
            zabbix.call("host.update", Map.of("hostid", host, "status", 0));
        }
        JsonNode raw = null;
        for (long end = System.currentTimeMillis() + 60_000; System.currentTimeMillis() < end; Thread.sleep(500)) {
            raw = zabbix.call("item.get", Map.of("hostids", List.of(badHost), "filter", Map.of("key_", "huatuo.jolokia.read"),
                    "output", List.of("state", "error"))).get(0);
            if (raw.get("state").asInt() != 0) {
                break;
            }
        }
        zabbix.call("host.update", Map.of("hostid", badHost, "status", 1));
        assertEquals(1, raw.get("state").asInt(), "Jolokia item with a wrong password: " + raw);
        assertTrue(raw.get("error").asText().contains("401"), raw.toString());

        // before any event: discovery made every tracer's items (lacp filtered out), every item is supported
        // and has a value except the LastEvent ones, which have none yet
        String[] tracers = TRACERS.toArray(String[]::new);
        int prototypes = 0;
        for (String host : hostids.keySet()) {
            JsonNode items = awaitItems(host, 120_000, all -> problems(all, false).isEmpty() && java.util.Arrays.stream(tracers)
                    .allMatch(t -> t.equals("lacp") || all.toString().contains("huatuo.tracer[" + t + ",EventCount]")));
            int discovered = 0;
            for (JsonNode i : items) {
                discovered += i.get("flags").asInt() == 4 ? 1 : 0;
            }
            prototypes = discovered / (tracers.length - 1);
            assertEquals(0, discovered % (tracers.length - 1), host + ": the same items for every tracer but lacp");
            for (String t : tracers) {
                assertEquals(!t.equals("lacp"), items.toString().contains("huatuo.tracer[" + t + ",EventCount]"),
                        host + " items of " + t);
            }
            assertEquals("2", value(items, "huatuo.tracer[dropwatch,State]"), host + " dropwatch state DISABLED (2)");
            System.out.printf("zabbix server: %s before any event: %d items (%d discovered), %d unsupported, "
                    + "dropwatch EventCount %s, after %d ms%n", host, items.size(), discovered, unsupported(host),
                    value(items, "huatuo.tracer[dropwatch,EventCount]"), System.currentTimeMillis() - t0);
            assertEquals(0, unsupported(host), host + " unsupported items before an event");
            // dropwatch's LastEvent items are there, without a value: null LastEvent is no error
            assertEquals("0", value(items, "huatuo.tracer[dropwatch,EventCount]"), host + " dropwatch events");
            assertEquals("", value(items, "huatuo.tracer[dropwatch,LastEvent.reason]"), host + " last drop reason");
        }
        assertTrue(prototypes >= 10, "item prototypes per tracer: " + prototypes);

        // the daemon counted the wrong password: both good hosts show it, and no login had to wait
        for (String host : hostids.keySet()) {
            JsonNode items = awaitItems(host, 30_000,
                    all -> Long.parseLong(value(all, "huatuo.daemon[AuthenticationFailures]")) >= 1);
            assertEquals("0", value(items, "huatuo.daemon[AuthenticationsRefused]"), host + " logins refused");
        }

        // the severities of the LLD overrides reached the discovered triggers; graphs and the dashboard exist
        JsonNode triggers = zabbix.call("trigger.get", Map.of("hostids", hostids.values(), "output",
                List.of("description", "priority"), "filter", Map.of("flags", 4)));
        Map<String, Integer> severity = new TreeMap<>();
        triggers.forEach(t -> severity.put(t.get("description").asText(), t.get("priority").asInt()));
        Map<Severity, Integer> priority = Map.of(Severity.WARNING, 2, Severity.AVERAGE, 3, Severity.HIGH, 4);
        for (TracerType<?> t : TracerRegistry.ALL) {
            if (!t.name().equals("lacp")) { // filtered out by the hosts' LLD macro
                assertEquals(priority.get(t.severity()), severity.get("huatuo " + t.name() + ": new anomalies"),
                        severity.toString());
            }
        }
        JsonNode graphs = zabbix.call("graph.get", Map.of("hostids", List.of(hostids.get(JMX_HOST)),
                "output", List.of("name")));
        assertEquals(2 * (tracers.length - 1), graphs.size(), "two graphs per discovered tracer: " + graphs);
        assertEquals(1, zabbix.call("templatedashboard.get", Map.of("templateids", templates.get("huatuo-jmx by JMX"),
                "output", List.of("name"))).size());
        JsonNode tags = zabbix.call("item.get", Map.of("hostids", List.of(hostids.get(JMX_HOST)), "selectTags", "extend",
                "filter", Map.of("key_", "huatuo.tracer[dropwatch,EventCount]"), "output", List.of("key_")));
        assertTrue(tags.toString().contains("\"component\",\"value\":\"network\""), "subsystem tag: " + tags);

        // dropwatch on, as an operator would switch it: both hosts see it RUNNING (1)
        daemon.mbsc.setAttribute(new javax.management.ObjectName("huatuo:type=Tracer,name=dropwatch"),
                new javax.management.Attribute("Enabled", true));
        for (String host : hostids.keySet()) {
            awaitItems(host, 60_000, all -> value(all, "huatuo.tracer[dropwatch,State]").equals("1"));
        }
        // no problem open before the drop (one a drop elsewhere on this machine opened has resolved)
        awaitProblems(0, 180_000, p -> !p.get("r_eventid").asText().equals("0"), true);
        // a drop: LastEvent has values now, still nothing unsupported, the problem opens on both hosts
        long before = System.currentTimeMillis() / 1000;
        long eventsBefore = (long) daemon.attribute("dropwatch", "EventCount");
        daemon.provokeDrop(net);
        for (String host : hostids.keySet()) {
            JsonNode items = awaitItems(host, 60_000, all -> problems(all, true).isEmpty()
                    && showsDropSince(all, eventsBefore));
            String reason = value(items, "huatuo.tracer[dropwatch,LastEvent.reason]");
            assertTrue(reason.matches("[A-Z][A-Z0-9_]+"), host + " dropwatch LastEvent.reason = " + reason);
            System.out.printf("zabbix server: %s after a drop: %d items, %d unsupported, last drop %s to %s:%s%n", host,
                    items.size(), unsupported(host), reason, value(items, "huatuo.tracer[dropwatch,LastEvent.daddr]"),
                    value(items, "huatuo.tracer[dropwatch,LastEvent.dport]"));
            assertEquals(0, unsupported(host), host + " unsupported items after an event");
        }
        Map<String, JsonNode> opened = awaitProblems(before, 90_000, p -> true, false);
        System.out.println("zabbix server: \"huatuo dropwatch: new anomalies\" opened on " + opened.keySet() + " ("
                + (System.currentTimeMillis() / 1000 - before) + " s after the drop)");

        // screenshots while the problem is open: Latest data of the JMX host, the template dashboard
        screenshots(before);

        // quiet: dropwatch switched off (in the whole suite, earlier tests' leftover RMI connections to
        // stopped daemons keep dropping packets on this machine), so the one-minute window empties and
        // 15 s later the problem resolves by itself
        daemon.mbsc.setAttribute(new javax.management.ObjectName("huatuo:type=Tracer,name=dropwatch"),
                new javax.management.Attribute("Enabled", false));
        Map<String, JsonNode> resolved = awaitProblems(before, 180_000, p -> !p.get("r_eventid").asText().equals("0"),
                false);
        System.out.println("zabbix server: the problem resolved on " + resolved.keySet() + " ("
                + (System.currentTimeMillis() / 1000 - before) + " s after the drop)");
    }

    /**
     * Waits until "huatuo dropwatch: new anomalies" has a problem since {@code since} on both hosts that
     * matches, or with {@code all}, until every such problem matches (none at all counts too).
     */
    private static Map<String, JsonNode> awaitProblems(long since, long millis, Predicate<JsonNode> match, boolean all)
            throws Exception {
        long end = System.currentTimeMillis() + millis;
        Map<String, JsonNode> found = new TreeMap<>();
        while (System.currentTimeMillis() < end) {
            found.clear();
            boolean every = true;
            for (String host : hostids.keySet()) {
                for (JsonNode p : zabbix.call("problem.get", Map.of("hostids", List.of(hostids.get(host)), "recent", true,
                        "time_from", Math.max(0, since - 5), "search", Map.of("name", "dropwatch: new anomalies")))) {
                    if (match.test(p)) {
                        found.put(host, p);
                    } else {
                        every = false;
                    }
                }
            }
            if (all ? every && (long) daemon.attribute("dropwatch", "OccurrencesLastMinute") == 0 : found.size() == 2) {
                return found;
            }
            Thread.sleep(2000);
        }
        throw new AssertionError("\"dropwatch: new anomalies\" not as expected on both hosts within " + millis
                + " ms: " + found + "\nOccurrencesLastMinute now "
                + daemon.attribute("dropwatch", "OccurrencesLastMinute") + "\n" + zabbix.logs());
    }

    /**
     * A person's view: the frontend logs in with the form's fields in the URL (index.php reads them from
     * the request, GET included) and redirects to the page; PNGs of Latest data and of the template
     * dashboard, and their DOMs checked for PHP errors and the tracers' items.
     */
    private static void screenshots(long since) throws Exception {
        String jmxHost = hostids.get(JMX_HOST);
        // every item of the host on one page
        zabbix.call("user.update", Map.of("userid", "1", "rows_per_page", 500));
        String latest = "zabbix.php?action=latest.view&filter_set=1&hostids%5B%5D=" + jmxHost
                + "&name=&show_details=0";
        String dashboard = "zabbix.php?action=host.dashboard.view&from=now-10m&to=now&hostid=" + jmxHost;
        for (String[] page : new String[][] {{latest, "latest-data.png"}, {dashboard, "template-dashboard.png"}}) {
            String url = zabbix.url("index.php?name=Admin&password=zabbix&enter=Sign+in&request="
                    + URLEncoder.encode(page[0], StandardCharsets.UTF_8));
            Chromium.screenshot(url, SCREENSHOTS.resolve(page[1]), 1600, page[1].startsWith("latest") ? 5000 : 2400, 20_000);
            String dom = Chromium.dom(url, 20_000);
            for (String bad : List.of("Fatal error", "Parse error", "Warning: ", "Notice: ", "Deprecated: ",
                    "Undefined index", "Undefined array key", "Cannot ", "msg-bad")) {
                assertTrue(!dom.contains(bad), page[1] + " shows '" + bad + "':\n" + excerpt(dom, bad));
            }
            if (page[1].startsWith("latest")) {
                for (String item : List.of("dropwatch: occurrences in the last minute", "oom: state", "softirq: events",
                        "dropwatch: last drop reason", "huatuo-jmx: version")) {
                    assertTrue(dom.contains(item), "Latest data lists " + item);
                }
            } else {
                for (String graph : List.of("huatuo dropwatch: occurrences in the last minute",
                        "huatuo oom: occurrences, events and losses per second", "huatuo softlockup: occurrences",
                        "Events handled", "BPF available")) {
                    assertTrue(dom.contains(graph), "the dashboard shows " + graph);
                }
            }
            System.out.println("zabbix server: " + SCREENSHOTS.resolve(page[1]).toAbsolutePath() + " ("
                    + Files.size(SCREENSHOTS.resolve(page[1])) + " bytes), no PHP error in " + dom.length()
                    + " characters of DOM");
        }
    }

    private static String excerpt(String text, String around) {
        int i = text.indexOf(around);
        return text.substring(Math.max(0, i - 300), Math.min(text.length(), i + 300));
    }

    private static Map<String, String> macro(String name, String value) {
        return Map.of("macro", name, "value", value);
    }

    private static String createHost(String name, String group, String template, int type, String port,
            List<Map<String, String>> macros) throws Exception {
        assertTrue(template != null, "template of " + name + " not imported");
        return zabbix.call("host.create", Map.of("host", name, "status", 1, "groups", List.of(Map.of("groupid", group)),
                "templates", List.of(Map.of("templateid", template)),
                "interfaces", List.of(Map.of("type", type, "main", 1, "useip", 1, "ip", "127.0.0.1", "dns", "",
                        "port", port)),
                "macros", macros)).get("hostids").get(0).asText();
    }

    /** Items of the host that Zabbix marks "not supported". */
    private static int unsupported(String host) throws Exception {
        return zabbix.call("item.get", Map.of("hostids", List.of(hostids.get(host)), "filter", Map.of("state", 1),
                "output", List.of("key_"))).size();
    }

    /**
     * Items not yet fine: unsupported, with an error, or without a value. The master item keeps no
     * history; the LastEvent items have a value only once there was an event.
     */
    private static List<String> problems(JsonNode items, boolean eventSeen) {
        List<String> bad = new ArrayList<>();
        for (JsonNode i : items) {
            String key = i.get("key_").asText();
            boolean stored = !key.startsWith("jmx.get") && !key.equals("huatuo.jolokia.read")
                    && (eventSeen || !key.contains("LastEvent."));
            if (i.get("state").asInt() != 0 || !i.get("error").asText().isEmpty()
                    || stored && i.get("lastclock").asLong() == 0) {
                bad.add(key + " state=" + i.get("state").asText() + " error=" + i.get("error").asText()
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
        List<String> dropwatch = new ArrayList<>(); // what the waits above look at
        if (last != null) {
            last.forEach(i -> {
                if (i.get("key_").asText().startsWith("huatuo.tracer[dropwatch,")) {
                    dropwatch.add(i.get("key_").asText() + " = " + i.get("lastvalue").asText());
                }
            });
        }
        throw new AssertionError(host + ": not within " + millis + " ms; items not fine:\n"
                + String.join("\n", last == null ? List.of() : problems(last, true)) + "\nlast values: "
                + dropwatch + "\n" + zabbix.logs());
    }

    /** lastvalue of the item with this key. */
    /**
     * Whether the host's LastEvent items show the provoked drop (port 9), or a drop after it: another drop
     * on this machine (earlier tests' leftover connections) may replace LastEvent before Zabbix polls it,
     * which the host's EventCount then shows as more than one event since {@code eventsBefore}.
     */
    private static boolean showsDropSince(JsonNode items, long eventsBefore) {
        String dport = value(items, "huatuo.tracer[dropwatch,LastEvent.dport]");
        String events = value(items, "huatuo.tracer[dropwatch,EventCount]");
        return dport.equals("9") || !dport.isEmpty() && !events.isEmpty() && Long.parseLong(events) > eventsBefore + 1;
    }

    private static String value(JsonNode items, String key) {
        for (JsonNode i : items) {
            if (i.get("key_").asText().equals(key)) {
                return i.get("lastvalue").asText();
            }
        }
        throw new IllegalStateException("no item " + key);
    }
}
