package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.TestDaemon;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Writes over Jolokia: only with authentication and an explicit policy that allows them; HTTP basic auth. */
class JolokiaWriteIT {
    private static final String WRITE = "{\"type\":\"write\",\"mbean\":\"huatuo:type=Tracer,name=dropwatch\","
            + "\"attribute\":\"MaxEventsPerSecond\",\"value\":42}";

    private static Path policy(Path dir) throws Exception {
        return Files.writeString(dir.resolve("jolokia-access.xml"), """
                <restrict>
                  <commands>
                    <command>read</command><command>write</command><command>search</command><command>version</command>
                  </commands>
                </restrict>
                """);
    }

    @Test
    void aPolicyAllowingWritesNeedsAuthenticationAtStart() throws Exception {
        Path dir = Files.createTempDirectory("huatuo-it6-jolokia");
        try {
            Exception e = assertThrows(IllegalArgumentException.class,
                    () -> TestDaemon.start("", "", "  policyFile: " + policy(dir) + "\n", "", null));
            assertTrue(e.getMessage().startsWith("jolokia.policyFile: ") && e.getMessage().contains("jolokia.user"),
                    e.getMessage());
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }

    @Test
    void authenticatedWriteUnderAnExplicitPolicyChangesTheThreshold() throws Exception {
        Path dir = Files.createTempDirectory("huatuo-it6-jolokia");
        Path password = TestDaemon.secret(dir.resolve("jolokia.password"), "wr1te\n");
        try (TestDaemon d = TestDaemon.start("", "", "  policyFile: " + policy(dir) + "\n  user: ops\n"
                + "  passwordFile: " + password + "\n", "  user: ops\n  passwordFile: " + password + "\n", null)) {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(d.service.jolokiaUrl()))
                    .POST(HttpRequest.BodyPublishers.ofString(WRITE));
            HttpResponse<String> anon = http.send(post.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anon.statusCode(), anon.body());
            String basic = Base64.getEncoder().encodeToString("ops:wr1te".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> r = http.send(post.header("Authorization", "Basic " + basic).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, new ObjectMapper().readTree(r.body()).get("status").asInt(), r.body());
            assertEquals(42L, d.counter("dropwatch", "MaxEventsPerSecond"));
            // a fraction is refused naming the attribute, not stored as 1
            HttpResponse<String> fraction = http.send(HttpRequest.newBuilder(URI.create(d.service.jolokiaUrl()))
                    .header("Authorization", "Basic " + basic).POST(HttpRequest.BodyPublishers.ofString(
                            WRITE.replace("42", "1.5"))).build(), HttpResponse.BodyHandlers.ofString());
            System.out.println("Jolokia write of 1.5: " + fraction.body());
            assertEquals(400, fraction.statusCode(), fraction.body());
            assertTrue(fraction.body().contains("MaxEventsPerSecond: expects a whole number, got 1.5"), fraction.body());
            assertEquals(42L, d.counter("dropwatch", "MaxEventsPerSecond"));

            // the Prometheus endpoint with the same kind of settings asks for them too
            HttpRequest.Builder scrape = HttpRequest.newBuilder(URI.create(d.service.prometheusUrl()));
            assertEquals(401, http.send(scrape.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> m = http.send(scrape.header("Authorization", "Basic " + basic).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, m.statusCode());
            assertTrue(m.body().contains("huatuo_dropwatch_max_events_per_second 42.0"), m.body());
        } finally {
            TestDaemon.deleteTree(dir);
        }
    }
}
