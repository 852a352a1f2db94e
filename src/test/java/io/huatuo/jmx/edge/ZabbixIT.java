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
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Zabbix template against Debian's zabbix-java-gateway, started here and spoken to over its
 * wire protocol ("ZBXD\1", little-endian length, JSON) exactly as zabbix_server does: the discovery
 * key finds every tracer, and every item key and item prototype of the template, for every
 * discovered tracer, resolves without error, with the template's credential macros filled in.
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

    @Test
    void everyTemplateKeyResolvesForEveryDiscoveredTracer() throws Exception {
        JsonNode template = new ObjectMapper(new YAMLFactory()).readTree(TEMPLATE.toFile())
                .get("zabbix_export").get("templates").get(0);
        for (JsonNode i : template.findValues("jmx_endpoint")) {
            assertEquals("service:jmx:rmi:///jndi/rmi://{HOST.CONN}:{HOST.PORT}/jmxrmi", i.asText());
        }
        JsonNode rule = template.get("discovery_rules").get(0);
        assertEquals("jmx.discovery[beans,\"huatuo:type=Tracer,*\"]", rule.get("key").asText());

        JsonNode discovered = ask(List.of(rule.get("key").asText())).get(0);
        assertTrue(discovered.has("value"), discovered.toString());
        JsonNode lld = JSON.readTree(discovered.get("value").asText());
        JsonNode rows = lld.has("data") ? lld.get("data") : lld;
        TreeSet<String> tracers = new TreeSet<>();
        rows.forEach(r -> tracers.add(r.get("{#JMXNAME}").asText()));
        System.out.println("zabbix discovery: " + tracers);
        assertEquals(new TreeSet<>(TracerRegistry.names()), tracers);

        List<String> keys = new ArrayList<>();
        template.get("items").forEach(i -> keys.add(i.get("key").asText()));
        for (String t : tracers) {
            rule.get("item_prototypes").forEach(p -> keys.add(p.get("key").asText().replace("{#JMXNAME}", t)));
        }
        JsonNode data = ask(keys);
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            JsonNode d = data.get(i);
            if (d.has("error") || !d.has("value")) {
                errors.add(keys.get(i) + " -> " + d);
            }
        }
        System.out.println("zabbix: " + keys.size() + " keys resolved, e.g. " + keys.get(0) + " = " + data.get(0));
        assertTrue(errors.isEmpty(), "keys with errors:\n" + String.join("\n", errors));
        int reason = keys.indexOf("jmx[\"huatuo:type=Tracer,name=dropwatch\",LastEvent.reason]");
        // another drop on this machine may be newer than ours: any reason, but a real one
        assertTrue(data.get(reason).get("value").asText().matches("[A-Z][A-Z0-9_]+"), data.get(reason).toString());
    }

    @Test
    void wrongCredentialsAreAnErrorNotAValue() throws Exception {
        // a Zabbix host with a wrong {$HUATUO.JMX.PASSWORD}
        JsonNode r = exchange(request(List.of("jmx[\"huatuo:type=Daemon\",Version]"), "wrong"));
        assertTrue(!r.toString().contains("\"value\"") && r.toString().toLowerCase().contains("fail"), r.toString());
    }
}
