package io.huatuo.jmx.edge;

import io.prometheus.jmx.JmxCollector;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jmx_exporter collector, run in our JVM over the platform MBean server, served at
 * {@code /metrics} by the Prometheus client's HTTP server. Rules come from jmx-exporter-rules.yaml
 * (the copy in the jar unless a file is configured), held to the exposure policy by
 * {@link PrometheusExposure}. Start and stop from one thread.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusEndpoint.class);
    /** The rules shipped in the jar, the same file as jmx-exporter-rules.yaml at the top of the source tree. */
    public static final String BUILT_IN_RULES = "/jmx-exporter-rules.yaml";

    private final Settings settings;
    private final LoginGuard logins;
    private HTTPServer server;
    private String url;

    /**
     * @param host         bind address (key prometheus.host)
     * @param port         0 picks a free port (tests)
     * @param rulesFile    "" = the built-in rules
     * @param user         "" = no authentication
     * @param passwordFile the user's password on its first line
     */
    public record Settings(String host, int port, String rulesFile, String user, String passwordFile) {
    }

    /** @param logins where wrong passwords are logged, counted and throttled */
    public PrometheusEndpoint(Settings settings, LoginGuard logins) {
        this.settings = settings;
        this.logins = logins;
    }

    public void start() throws IOException {
        boolean auth = !settings.user().isEmpty();
        BindPolicy.check("prometheus.host", settings.host(), auth);
        String source = settings.rulesFile().isEmpty() ? "built-in rules" : "prometheus.rulesFile: " + settings.rulesFile();
        // whatever the rules say, only what the exposure policy allows is read
        String rules = PrometheusExposure.restrict(rules(), ManagementFactory.getPlatformMBeanServer(), source);
        JmxCollector collector;
        try {
            collector = new JmxCollector(rules);
        } catch (Exception | Error e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        PrometheusRegistry registry = new PrometheusRegistry();
        collector.register(registry);
        HTTPServer.Builder b = HTTPServer.builder().inetAddress(InetAddress.getByName(settings.host()))
                .port(settings.port()).registry(registry);
        if (auth) {
            b.authenticator(new Credentials.BasicAuth("prometheus", settings.user(), settings.passwordFile(), logins));
        }
        server = b.buildAndStart();
        url = "http://" + BindPolicy.urlHost(InetAddress.getByName(settings.host())) + ":" + server.getPort()
                + "/metrics";
        LOG.info("Prometheus: {} (rules {}, authentication {})", url,
                settings.rulesFile().isEmpty() ? "built-in" : settings.rulesFile(), auth ? "on" : "off");
    }

    private String rules() throws IOException {
        if (!settings.rulesFile().isEmpty()) {
            return Files.readString(Path.of(settings.rulesFile()), StandardCharsets.UTF_8);
        }
        try (InputStream in = PrometheusEndpoint.class.getResourceAsStream(BUILT_IN_RULES)) {
            if (in == null) {
                throw new IOException(BUILT_IN_RULES + " missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** @return e.g. {@code http://127.0.0.1:9404/metrics}, or null before start */
    public String url() {
        return url;
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }
}
