package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.TestDaemon;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The integrations against their real clients: a JMX remote connection with credentials and roles
 * (as JConsole makes it), Jolokia over HTTP with its default policy and pull notifications, and a
 * Prometheus scrape parsed by the text-format rules, each after a real dropwatch drop.
 */
class IntegrationsIT {
    private static final ObjectName DW = name("huatuo:type=Tracer,name=dropwatch");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** High, so that drops elsewhere on this machine (other tests' floods) do not rate-limit ours away. */
    static final String TRACERS = "  dropwatch:\n    maxEventsPerSecond: 100000\n";
    private static Path secrets;
    private static TestDaemon daemon;
    private static NetnsPair net;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        secrets = Files.createTempDirectory("huatuo-it6-secrets");
        Path password = secrets.resolve("jmxremote.password");
        TestDaemon.secret(password, "# user password\nmonitor m0n1tor\nadmin s3cret\n");
        Path access = secrets.resolve("jmxremote.access");
        Files.writeString(access, "monitor readonly\nadmin readwrite\n");
        daemon = TestDaemon.start(TRACERS, "  passwordFile: " + password + "\n  accessFile: " + access + "\n", "", "",
                new String[] {"monitor", "m0n1tor"});
        net = new NetnsPair();
    }

    @AfterAll
    static void stop() throws Exception {
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

    /** A SYN to a closed port in our own namespaces: a NO_SOCKET drop only this test causes. */
    private static void provokeDrop() {
        net.run(net.a, "nc", "-z", "-w1", net.addrB, "9");
    }

    private static boolean ours(CompositeData cd) {
        return "NO_SOCKET".equals(cd.get("reason")) && net.addrB.equals(cd.get("daddr"))
                && Integer.valueOf(9).equals(cd.get("dport"));
    }

    // ---- JMX remote (JConsole's way: RMI, [user, password] credentials) ----

    @Test
    void readOnlyUserReadsAttributesAndReceivesNotifications() throws Exception {
        assertEquals("RUNNING", daemon.mbsc.getAttribute(DW, "State"));
        assertTrue(daemon.mbsc.queryNames(new ObjectName("huatuo:type=Tracer,*"), null).size() >= 9);
        BlockingQueue<Notification> q = daemon.subscribe("dropwatch");
        provokeDrop();
        CompositeData e = TestDaemon.await(q, 5000, IntegrationsIT::ours);
        assertEquals(net.addrA, e.get("saddr"));
    }

    @Test
    void readOnlyUserCannotWrite() {
        Exception e = assertThrows(SecurityException.class,
                () -> daemon.mbsc.setAttribute(DW, new Attribute("MaxEventsPerSecond", 5L)));
        assertTrue(e.getMessage().contains("readwrite"), e.getMessage());
    }

    @Test
    void readWriteUserCanWriteAndWrongPasswordIsRefused() throws Exception {
        try (JMXConnector c = JMXConnectorFactory.connect(daemon.service.jmxUrl(),
                Map.of(JMXConnector.CREDENTIALS, new String[] {"admin", "s3cret"}))) {
            MBeanServerConnection m = c.getMBeanServerConnection();
            m.setAttribute(DW, new Attribute("MaxEventsPerSecond", 99L));
            assertEquals(99L, m.getAttribute(DW, "MaxEventsPerSecond"));
            m.setAttribute(DW, new Attribute("MaxEventsPerSecond", 100000L));
        }
        assertThrows(SecurityException.class, () -> JMXConnectorFactory.connect(daemon.service.jmxUrl(),
                Map.of(JMXConnector.CREDENTIALS, new String[] {"admin", "wrong"})));
        assertThrows(SecurityException.class, () -> JMXConnectorFactory.connect(daemon.service.jmxUrl()));
    }

    // ---- Jolokia over HTTP ----

    private static JsonNode jolokiaGet(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.service.jolokiaUrl() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static JsonNode jolokiaPost(Object request) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.service.jolokiaUrl()))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request)))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    @Test
    void jolokiaReadsBulkReadsAndSearches() throws Exception {
        JsonNode state = jolokiaGet("read/huatuo:type=Tracer,name=dropwatch/State");
        assertEquals(200, state.get("status").asInt(), state.toString());
        assertEquals("RUNNING", state.get("value").asText());

        JsonNode bulk = jolokiaPost(java.util.List.of(
                Map.of("type", "read", "mbean", "huatuo:type=Tracer,name=dropwatch", "attribute", "EventCount"),
                Map.of("type", "read", "mbean", "huatuo:type=Daemon", "attribute", "Version"),
                Map.of("type", "read", "mbean", "huatuo:type=Tracer,name=oom",
                        "attribute", java.util.List.of("State", "Probe"))));
        assertEquals(3, bulk.size(), bulk.toString());
        bulk.forEach(r -> assertEquals(200, r.get("status").asInt(), r.toString()));
        assertTrue(bulk.get(2).get("value").has("Probe"), bulk.toString());

        JsonNode search = jolokiaGet("search/huatuo:type=Tracer,*");
        assertEquals(200, search.get("status").asInt(), search.toString());
        assertTrue(search.get("value").size() >= 9, search.toString());
    }

    @Test
    void jolokiaRefusesWritesUnderTheDefaultPolicy() throws Exception {
        JsonNode w = jolokiaPost(Map.of("type", "write", "mbean", "huatuo:type=Tracer,name=dropwatch",
                "attribute", "MaxEventsPerSecond", "value", 5));
        assertEquals(403, w.get("status").asInt(), w.toString());
        JsonNode x = jolokiaPost(Map.of("type", "exec", "mbean", "java.lang:type=Memory", "operation", "gc"));
        assertEquals(403, x.get("status").asInt(), x.toString());
        assertEquals(100000L, daemon.counter("dropwatch", "MaxEventsPerSecond"));
        // a web page from elsewhere gets no CORS grant, so the browser keeps the answer from it
        HttpResponse<String> cors = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.service.jolokiaUrl()
                + "read/huatuo:type=Daemon/Version")).header("Origin", "http://evil.example").build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(cors.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), cors.headers().toString());
        HttpResponse<String> local = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.service.jolokiaUrl()
                + "read/huatuo:type=Daemon/Version")).header("Origin", "http://127.0.0.1:8080").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("http://127.0.0.1:8080", local.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
    }

    @Test
    void jolokiaDeliversOurNotificationsByPull() throws Exception {
        JsonNode reg = jolokiaPost(Map.of("type", "notification", "command", "register"));
        assertEquals(200, reg.get("status").asInt(), reg.toString());
        String client = reg.get("value").get("id").asText();
        assertTrue(reg.get("value").get("backend").has("pull"), reg.toString());
        assertTrue(reg.get("value").get("backend").has("sse"), "SSE backend too: " + reg);
        JsonNode add = jolokiaPost(Map.of("type", "notification", "command", "add", "client", client,
                "mode", "pull", "mbean", "huatuo:type=Tracer,name=dropwatch"));
        assertEquals(200, add.get("status").asInt(), add.toString());
        String handle = add.get("value").asText();
        String store = reg.get("value").get("backend").get("pull").get("store").asText();

        provokeDrop();
        long end = System.currentTimeMillis() + 5000;
        JsonNode found = null;
        StringBuilder seen = new StringBuilder();
        while (found == null && System.currentTimeMillis() < end) {
            JsonNode pulled = jolokiaPost(Map.of("type", "exec", "mbean", store, "operation", "pull",
                    "arguments", java.util.List.of(client, handle)));
            assertEquals(200, pulled.get("status").asInt(), pulled.toString());
            seen.append(" dropped=").append(pulled.get("value").path("dropped").asInt()).append(" got=")
                    .append(pulled.get("value").path("notifications").size());
            for (JsonNode n : pulled.get("value").path("notifications")) {
                JsonNode data = n.get("userData");
                seen.append(' ').append(data == null ? "-" : data.path("daddr").asText() + ":" + data.path("dport"));
                if ("huatuo.dropwatch".equals(n.get("type").asText()) && data != null
                        && net.addrB.equals(data.path("daddr").asText()) && data.path("dport").asInt() == 9) {
                    found = n;
                }
            }
            Thread.sleep(200);
        }
        assertTrue(found != null, "a huatuo.dropwatch notification for our drop was pulled; pulls:" + seen);
        assertEquals("NO_SOCKET", found.get("userData").get("reason").asText());
        jolokiaPost(Map.of("type", "notification", "command", "unregister", "client", client));
    }

    @Test
    void jolokiaStreamsOurNotificationsBySse() throws Exception {
        String client = jolokiaPost(Map.of("type", "notification", "command", "register")).get("value").get("id").asText();
        JsonNode add = jolokiaPost(Map.of("type", "notification", "command", "add", "client", client,
                "mode", "sse", "mbean", "huatuo:type=Tracer,name=dropwatch"));
        assertEquals(200, add.get("status").asInt(), add.toString());
        HttpResponse<java.util.stream.Stream<String>> stream = HTTP.send(HttpRequest.newBuilder(
                URI.create(daemon.service.jolokiaUrl() + "notification/open/" + client + "/sse")).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, stream.statusCode());
        assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        var found = java.util.concurrent.CompletableFuture.supplyAsync(() -> stream.body()
                .filter(l -> l.startsWith("data: ") && l.contains("\"daddr\":\"" + net.addrB + "\""))
                .findFirst().orElse(""));
        provokeDrop();
        String data = found.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(data.contains("\"type\":\"huatuo.dropwatch\""), data);
        stream.body().close();
        jolokiaPost(Map.of("type", "notification", "command", "unregister", "client", client));
    }

    // ---- Prometheus ----

    @Test
    void prometheusScrapeFollowsTheTextFormatAndCountsOurDrop() throws Exception {
        daemon.provokeDrop(net);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(daemon.service.prometheusUrl()))
                .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        PromText scrape = PromText.parse(r.body());

        assertEquals("counter", scrape.type("huatuo_dropwatch_events_total"));
        assertTrue(scrape.value("huatuo_dropwatch_events_total", Map.of()) >= 1);
        assertEquals("counter", scrape.type("huatuo_dropwatch_drops_total"));
        assertTrue(scrape.value("huatuo_dropwatch_drops_total", Map.of("reason", "NO_SOCKET")) >= 1);
        assertEquals("counter", scrape.type("huatuo_dropwatch_occurrences_total"));
        assertEquals("counter", scrape.type("huatuo_dropwatch_rate_limited_events_total"));
        assertEquals("counter", scrape.type("huatuo_dropwatch_lost_events_total"));
        assertEquals("gauge", scrape.type("huatuo_dropwatch_state"));
        assertEquals(1.0, scrape.value("huatuo_dropwatch_state", Map.of("state", "RUNNING")));
        assertEquals(1.0, scrape.value("huatuo_dropwatch_enabled", Map.of()));
        assertEquals(100000.0, scrape.value("huatuo_dropwatch_max_events_per_second", Map.of()));
        double last = scrape.value("huatuo_dropwatch_last_event_time_seconds", Map.of());
        assertTrue(Math.abs(System.currentTimeMillis() / 1000.0 - last) < 60, "event time in seconds: " + last);
        assertEquals("gauge", scrape.type("huatuo_dropwatch_last_event_pkt_len"));
        assertTrue(scrape.value("huatuo_dropwatch_last_event_pkt_len", Map.of()) >= 20);
        // every tracer of the contract is there, available or not
        for (String t : TracerRegistry.names()) {
            assertEquals("counter", scrape.type("huatuo_" + t + "_events_total"), t);
        }
        assertEquals("gauge", scrape.type("huatuo_daemon_uptime_seconds"));
        // tracer-specific attributes of other tracers flow through the generic rules
        assertEquals("counter", scrape.type("huatuo_oom_kills_total"));
        scrape.value("huatuo_oom_kills_total", Map.of("victim", "host"));
        scrape.value("huatuo_oom_kills_total", Map.of("victim", "container"));
        assertEquals(0.9, scrape.value("huatuo_memreclaim_threshold_seconds", Map.of()), 1e-9);
        // only huatuo:* MBeans, plus the exporter's own jmx_scrape_*/jmx_config_* health metrics
        var others = scrape.names().stream().filter(n -> !n.startsWith("huatuo_") && !n.startsWith("jmx_")).toList();
        assertTrue(others.isEmpty(), "only huatuo:* MBeans: " + others);
        assertEquals(0.0, scrape.value("jmx_scrape_error", Map.of()), "the rules scrape without error");
    }

    private static ObjectName name(String s) {
        try {
            return new ObjectName(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }
}
