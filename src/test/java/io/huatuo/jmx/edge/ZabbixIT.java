package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.registry.TracerRegistry;
import io.huatuo.jmx.testing.Kernel;
import io.huatuo.jmx.testing.NetnsPair;
import io.huatuo.jmx.testing.TestDaemon;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Zabbix template against Debian's zabbix-java-gateway, started here and spoken to over its
 * wire protocol ("ZBXD\1", little-endian length, JSON) exactly as zabbix_server does: the template's
 * one JMX item (jmx.get of every huatuo attribute) answers with every tracer and every value the
 * template's dependent items and item prototypes read, with the credential macros filled in.
 */
class ZabbixIT {
    private static final Path GATEWAY = Path.of("/usr/sbin/zabbix-java-gateway.jar");
    private static final Path TEMPLATE = Path.of("zabbix-templates/huatuo-jmx_by_jmx.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static TestDaemon daemon;
    private static NetnsPair net;
    private static Process gateway;
    private static int gatewayPort;
    private static int jmxPort;

    @BeforeAll
    static void start() throws Exception {
        Kernel.assumeRootAndBpf();
        dir = Files.createTempDirectory("huatuo-it6-zabbix");
        Path password = dir.resolve("jmxremote.password");
        TestDaemon.secret(password, "zabbix z4bb1x\n");
        Path access = dir.resolve("jmxremote.access");
        Files.writeString(access, "zabbix readonly\n");
        daemon = TestDaemon.start(IntegrationsIT.TRACERS, "  passwordFile: " + password + "\n  accessFile: " + access + "\n", "", "",
                new String[] {"zabbix", "z4bb1x"});
        jmxPort = daemon.service.jmxUrl().getPort() == 0
                ? Integer.parseInt(daemon.service.jmxUrl().getURLPath().replaceAll(".*:(\\d+)/jmxrmi", "$1"))
                : daemon.service.jmxUrl().getPort();
        net = new NetnsPair();
        // one dropwatch event, so that LastEvent (null before the first event) has fields to read
        daemon.provokeDrop(net);

        Path logback = dir.resolve("logback.xml");
        Files.writeString(logback, """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>zabbix-java-gateway: %-5level %logger{20} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="info"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        gatewayPort = freeGatewayPort();
        gateway = new ProcessBuilder("java", "-Dzabbix.listenIP=127.0.0.1", "-Dzabbix.listenPort=" + gatewayPort,
                "-Dzabbix.startPollers=2", "-Dzabbix.timeout=5",
                "-Dlogback.configurationFile=" + logback, "-jar", GATEWAY.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("gateway.log").toFile()).start();
        long end = System.currentTimeMillis() + 20000;
        while (true) {
            try (Socket s = new Socket("127.0.0.1", gatewayPort)) {
                break;
            } catch (IOException e) {
                if (System.currentTimeMillis() > end || !gateway.isAlive()) {
                    throw new AssertionError("zabbix-java-gateway did not start:\n" + Files.readString(dir.resolve("gateway.log")));
                }
                Thread.sleep(200);
            }
        }
    }

    /** The gateway accepts listenPort 1024..32767 only, below the kernel's ephemeral range. */
    private static int freeGatewayPort() throws IOException {
        for (int p = 20000 + (int) (ProcessHandle.current().pid() % 10000); p < 32767; p++) {
            try (ServerSocket s = new ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException busy) {
                // next
            }
        }
        throw new IOException("no free port in 20000..32767");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.destroy();
            gateway.waitFor();
        }
        if (net != null) {
            net.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (dir != null) {
            TestDaemon.deleteTree(dir);
        }
    }

    /** One request as zabbix_server sends it; returns the "data" array. */
    private static JsonNode ask(List<String> keys) throws IOException {
        JsonNode r = exchange(request(keys, "z4bb1x")); // {$HUATUO.JMX.PASSWORD}
        assertEquals("success", r.path("response").asText(), r.toString());
        assertEquals(keys.size(), r.get("data").size(), r.toString());
        return r.get("data");
    }

    private static ObjectNode request(List<String> keys, String password) {
        ObjectNode req = JSON.createObjectNode();
        req.put("request", "java gateway jmx");
        req.put("conn", "127.0.0.1");
        req.put("port", jmxPort);
        req.put("jmx_endpoint", endpoint());
        req.put("username", "zabbix"); // {$HUATUO.JMX.USER}
        req.put("password", password);
        req.set("keys", JSON.valueToTree(keys));
        return req;
    }

    /** The gateway's framing: "ZBXD", flags 1, little-endian data length, 4 reserved bytes, JSON. */
    private static JsonNode exchange(ObjectNode req) throws IOException {
        byte[] body = JSON.writeValueAsBytes(req);
        try (Socket s = new Socket("127.0.0.1", gatewayPort)) {
            s.setSoTimeout(30000);
            ByteBuffer h = ByteBuffer.allocate(13).order(ByteOrder.LITTLE_ENDIAN);
            h.put("ZBXD".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).putInt(body.length).putInt(0);
            s.getOutputStream().write(h.array());
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] head = new byte[13];
            in.readFully(head);
            assertEquals("ZBXD", new String(head, 0, 4, StandardCharsets.US_ASCII), "response header");
            byte[] payload = new byte[ByteBuffer.wrap(head, 5, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()];
            in.readFully(payload);
            return JSON.readTree(payload);
        }
    }

    /** The template's jmx_endpoint with {HOST.CONN} and {HOST.PORT} of the JMX interface resolved. */
    private static String endpoint() {
        return "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi";
    }

    /** "Daemon|Attr" or "tracer|Attr.Field" that a dependent item's JSONPath ($.daemon['A'], $.tracers['t']['A']['F']) reads. */
    private static String attributeOf(JsonNode item, String tracer) {
        String path = item.get("preprocessing").get(0).get("parameters").get(0).asText().replace("{#TRACER}", tracer);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\['([^']+)'\\]").matcher(path);
        List<String> parts = new ArrayList<>();
        while (m.find()) {
            parts.add(m.group(1));
        }
        return path.startsWith("$.daemon") ? "Daemon|" + String.join(".", parts)
                : parts.get(0) + "|" + String.join(".", parts.subList(1, parts.size()));
    }

    /**
     * Whether the gateway returned the value at "owner|Attr": the attribute itself, or for a
     * CompositeData read whole (HttpRequestsRefused, summed by the item), its fields "Attr.field".
     */
    private static boolean returned(Set<String> have, String attribute) {
        return have.contains(attribute) || have.stream().anyMatch(h -> h.startsWith(attribute + "."));
    }

    @Test
    void theMasterItemReadsEveryValueTheTemplateUsesForEveryTracer() throws Exception {
        JsonNode template = new ObjectMapper(new YAMLFactory()).readTree(TEMPLATE.toFile())
                .get("zabbix_export").get("templates").get(0);
        JsonNode master = template.get("items").get(0);
        assertEquals("JMX", master.get("type").asText());
        assertEquals("service:jmx:rmi:///jndi/rmi://{HOST.CONN}:{HOST.PORT}/jmxrmi", master.get("jmx_endpoint").asText());
        long t0 = System.nanoTime();
        JsonNode answer = ask(List.of(master.get("key").asText())).get(0);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(answer.has("value"), answer.toString());
        JsonNode rows = JSON.readTree(answer.get("value").asText());
        TreeSet<String> have = new TreeSet<>();
        TreeSet<String> tracers = new TreeSet<>();
        for (JsonNode r : rows) {
            String object = r.get("object").asText();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("[:,]name=([^,]+)").matcher(object);
            String owner = object.contains("type=Daemon") ? "Daemon" : m.find() ? m.group(1) : object;
            if (!owner.equals("Daemon")) {
                tracers.add(owner);
            }
            have.add(owner + "|" + r.get("name").asText());
        }
        System.out.println("zabbix: " + master.get("key").asText() + " answered " + rows.size() + " values ("
                + answer.get("value").asText().length() + " bytes) in " + ms + " ms; tracers " + tracers);
        assertEquals(new TreeSet<>(TracerRegistry.names()), tracers);

        List<String> missing = new ArrayList<>();
        int used = 0;
        for (JsonNode i : template.get("items")) {
            if (i.get("type").asText().equals("DEPENDENT")) {
                used++;
                String a = attributeOf(i, "");
                // optional values (a drop reason this kernel lacks) may be absent; dropwatch's LastEvent is
                // here since the drop in start()
                boolean optional = i.get("preprocessing").get(0).has("error_handler") && !a.contains("LastEvent");
                if (!returned(have, a) && !optional) {
                    missing.add(i.get("key").asText() + " reads " + a);
                }
            }
        }
        for (String t : tracers) {
            for (JsonNode p : template.get("discovery_rules").get(0).get("item_prototypes")) {
                used++;
                if (!returned(have, attributeOf(p, t))) {
                    missing.add(p.get("key").asText().replace("{#TRACER}", t) + " reads " + attributeOf(p, t));
                }
            }
        }
        assertEquals(List.of(), missing, "values the template reads that the gateway did not return");
        System.out.println("zabbix: all " + used + " dependent items of the JMX template find their value");
    }

    @Test
    void wrongCredentialsAreAnErrorNotAValue() throws Exception {
        // a Zabbix host with a wrong {$HUATUO.JMX.PASSWORD}
        JsonNode r = exchange(request(List.of("jmx.get[attributes,\"huatuo:*\"]"), "wrong"));
        assertTrue(!r.toString().contains("\"value\"") && r.toString().toLowerCase().contains("fail"), r.toString());
    }
}
