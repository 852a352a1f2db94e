package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jolokia itself is made at the first request that passes our guard and authentication, on the
 * guarded context of our own server; an operator's policy file makes it at start. Raw HTTP over
 * loopback, so that the Host header can be a hostile one.
 */
class JolokiaEndpointTest {
    private static final HttpGuardSettings LIMITS = new HttpGuardSettings(List.of(), 64 * 1024, 16);

    private static JolokiaEndpoint endpoint(String policyFile) {
        return new JolokiaEndpoint(new JolokiaEndpoint.Settings("127.0.0.1", 0, policyFile, "", ""), LIMITS,
                new LoginGuard());
    }

    /** The status line and body of one GET with this Host header. */
    private static String get(JolokiaEndpoint j, String path, String host) throws IOException {
        return get(j, path, host, "");
    }

    /** As above, with these extra header lines (each ending in CRLF). */
    private static String get(JolokiaEndpoint j, String path, String host, String headers) throws IOException {
        int port = URI.create(j.url()).getPort();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + headers + "Connection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int bodyAt = response.indexOf("\r\n\r\n");
            return response.substring(0, response.indexOf("\r\n")) + " " + response.substring(bodyAt + 4);
        }
    }

    @Test
    void withTheBuiltInPolicyJolokiaIsMadeAtTheFirstRequestOurGuardLetsThrough() throws Exception {
        try (JolokiaEndpoint j = endpoint("")) {
            j.start(name -> null);
            assertFalse(j.isMade(), "nothing of Jolokia made at start");
            int port = URI.create(j.url()).getPort();

            String refused = get(j, "/jolokia/version", "attacker.example:" + port);
            assertTrue(refused.startsWith("HTTP/1.1 403"), refused);
            assertFalse(j.isMade(), "a request the guard refuses does not make Jolokia");

            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<String>> answers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Callable<String> version = () -> get(j, "/jolokia/version", "127.0.0.1:" + port);
                    answers.add(pool.submit(version));
                }
                for (Future<String> a : answers) {
                    String r = a.get(60, TimeUnit.SECONDS);
                    assertTrue(r.startsWith("HTTP/1.1 200") && r.contains("\"agent\":\"2."), r);
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(j.isMade());

            // Jolokia's second context (/jolokia/config) is served by the same handler, as on its own server
            String config = get(j, "/jolokia/config", "127.0.0.1:" + port);
            assertTrue(config.startsWith("HTTP/1.1 200") && config.contains("\"type\":\"config\""), config);
            String read = get(j, "/jolokia/read/java.lang:type=Runtime/Uptime", "localhost:" + port);
            assertTrue(read.startsWith("HTTP/1.1 200") && read.contains("\"status\":200"), read);
        }
    }

    @Test
    void withAuthenticationOnlyAnAuthenticatedRequestMakesJolokia(@TempDir Path dir) throws Exception {
        Path password = dir.resolve("jolokia.password");
        Files.writeString(password, "s3cret-for-this-test\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        JolokiaEndpoint j = new JolokiaEndpoint(
                new JolokiaEndpoint.Settings("127.0.0.1", 0, "", "monitor", password.toString()), LIMITS,
                new LoginGuard());
        try (j) {
            j.start(name -> null);
            String host = "127.0.0.1:" + URI.create(j.url()).getPort();
            String anonymous = get(j, "/jolokia/version", host);
            assertTrue(anonymous.startsWith("HTTP/1.1 401"), anonymous);
            String wrong = get(j, "/jolokia/version", host, basic("monitor:guessed"));
            assertTrue(wrong.startsWith("HTTP/1.1 401"), wrong);
            assertFalse(j.isMade(), "requests that fail authentication do not make Jolokia");

            String ok = get(j, "/jolokia/version", host, basic("monitor:s3cret-for-this-test"));
            assertTrue(ok.startsWith("HTTP/1.1 200") && ok.contains("\"agent\":\"2."), ok);
            assertTrue(j.isMade());
        }
    }

    private static String basic(String userColonPassword) {
        return "Authorization: Basic "
                + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8)) + "\r\n";
    }

    @Test
    void anOperatorsPolicyFileMakesJolokiaAtStart(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("jolokia-access.xml");
        try (InputStream builtIn = JolokiaEndpoint.class.getResourceAsStream("/jolokia-access.xml")) {
            Files.copy(builtIn, policy);
        }
        try (JolokiaEndpoint j = endpoint(policy.toString())) {
            j.start(name -> null);
            assertTrue(j.isMade(), "the policy file is read at start");
            int port = URI.create(j.url()).getPort();
            String write = get(j, "/jolokia/write/java.lang:type=Memory/Verbose/true", "127.0.0.1:" + port);
            assertTrue(write.contains("\"status\":403") && write.contains("forbidden"), write);
        }
    }
}
