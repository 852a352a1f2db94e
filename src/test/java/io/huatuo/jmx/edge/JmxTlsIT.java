package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * jmx.ssl as an operator sets it up: the packaged jar with jmx.keyStore and its password in a root-only
 * file (never on the command line), and a separate client JVM (as JConsole) trusting its certificate.
 * Separate JVMs, because the default SSL context is per process.
 */
class JmxTlsIT {
    private static final Path JAR = Path.of("target/huatuo-jmx.jar").toAbsolutePath();

    /** A JMX client as JConsole connects: registry lookup over TLS, then the connector; prints State. */
    private static final String CLIENT = """
            import java.util.Map;
            import javax.management.ObjectName;
            import javax.management.remote.*;
            public class TlsClient {
                public static void main(String[] a) throws Exception {
                    Map<String, Object> env = Map.of(JMXConnector.CREDENTIALS, new String[] {a[1], a[2]},
                            "com.sun.jndi.rmi.factory.socket", new javax.rmi.ssl.SslRMIClientSocketFactory());
                    try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(a[0]), env)) {
                        System.out.println("State=" + c.getMBeanServerConnection()
                                .getAttribute(new ObjectName("huatuo:type=Tracer,name=dropwatch"), "State"));
                    }
                }
            }
            """;

    @Test
    void jconsoleStyleClientConnectsOverTlsAndAPlainOneDoesNot() throws Exception {
        Path dir = Files.createTempDirectory("huatuo-it6-tls");
        Process daemon = null;
        try {
            Path ks = dir.resolve("keystore.p12");
            Path ts = dir.resolve("truststore.p12");
            Path cer = dir.resolve("daemon.cer");
            Shell.check("keytool", "-genkeypair", "-alias", "huatuo", "-keyalg", "EC", "-dname", "CN=127.0.0.1",
                    "-ext", "san=ip:127.0.0.1", "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12",
                    "-storepass", "changeit", "-keypass", "changeit");
            Shell.check("keytool", "-exportcert", "-alias", "huatuo", "-keystore", ks.toString(), "-storepass",
                    "changeit", "-file", cer.toString());
            Shell.check("keytool", "-importcert", "-noprompt", "-alias", "huatuo", "-file", cer.toString(),
                    "-keystore", ts.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
            Path password = TestDaemon.secret(dir.resolve("jmxremote.password"), "ops t1s\n");
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path ksPassword = TestDaemon.secret(dir.resolve("keystore.password"), "changeit\n");
            Path cfg = Files.writeString(dir.resolve("huatuo-jmx.yaml"), "dataDir: " + dir + "\n"
                    + "jmx:\n  port: " + port + "\n  passwordFile: " + password + "\n  ssl: true\n"
                    + "  keyStore: " + ks + "\n  keyStorePasswordFile: " + ksPassword + "\n"
                    + "jolokia:\n  enabled: false\nprometheus:\n  enabled: false\n");
            daemon = new ProcessBuilder("java", "-jar", JAR.toString(), "--config", cfg.toString())
                    .redirectErrorStream(true).start();
            awaitStarted(daemon);
            String cmdline = Files.readString(Path.of("/proc/" + daemon.pid() + "/cmdline")).replace('\0', ' ');
            assertTrue(!cmdline.contains("changeit"), "no secret on the command line: " + cmdline);
            Path client = Files.writeString(dir.resolve("TlsClient.java"), CLIENT);
            String url = "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi";

            Shell.Result tls = Shell.run(List.of("java", "-Djavax.net.ssl.trustStore=" + ts,
                    "-Djavax.net.ssl.trustStorePassword=changeit", client.toString(), url, "ops", "t1s"));
            assertEquals(0, tls.exit(), tls.output());
            assertTrue(tls.output().contains("State="), tls.output());

            Shell.Result untrusted = Shell.run(List.of("java", client.toString(), url, "ops", "t1s"));
            assertNotEquals(0, untrusted.exit(), "a client that does not trust the certificate: " + untrusted.output());
        } finally {
            if (daemon != null) {
                daemon.destroy();
                daemon.waitFor(20, TimeUnit.SECONDS);
            }
            TestDaemon.deleteTree(dir);
        }
    }

    private static void awaitStarted(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        long end = System.currentTimeMillis() + 30000;
        for (String l; System.currentTimeMillis() < end && (l = r.readLine()) != null; ) {
            seen.append(l).append('\n');
            if (l.contains("huatuo-jmx running") || l.contains(" started in ")) {
                Thread t = new Thread(() -> {
                    try {
                        r.transferTo(java.io.Writer.nullWriter());
                    } catch (java.io.IOException e) {
                        // daemon ended
                    }
                });
                t.setDaemon(true);
                t.start(); // keep draining so the daemon never blocks on a full pipe
                return;
            }
        }
        throw new AssertionError("daemon did not start:\n" + seen);
    }
}
