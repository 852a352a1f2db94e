package io.huatuo.jmx.edge;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.huatuo.jmx.jmx.ObjectNames;
import io.prometheus.jmx.JmxCollector;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.JMException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jmx_exporter collector, run in our JVM over the platform MBean server, served at
 * {@code /metrics} by the Prometheus client's handler on our own JDK HTTP server (the client's own
 * server has an accept backlog of 3 and no request limits; ours has {@link HttpLimits} and a
 * {@link RequestGuard}). Rules come from jmx-exporter-rules.yaml (the copy in the jar unless a file
 * is configured), held to the exposure policy by {@link PrometheusExposure}. With the built-in rules
 * the collector is made at the first scrape ({@link OnFirstRequest}). Start and stop from one thread.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusEndpoint.class);
    /** The rules shipped in the jar, the same file as jmx-exporter-rules.yaml at the top of the source tree. */
    public static final String BUILT_IN_RULES = "/jmx-exporter-rules.yaml";

    private final Settings settings;
    private final HttpGuardSettings limits;
    private final LoginGuard logins;
    private HttpServer server;
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
    public PrometheusEndpoint(Settings settings, HttpGuardSettings limits, LoginGuard logins) {
        this.settings = settings;
        this.limits = limits;
        this.logins = logins;
    }

    public void start() throws IOException {
        boolean auth = !settings.user().isEmpty();
        BindPolicy.check("prometheus.host", settings.host(), auth);
        // An operator's rules are checked now, so that a bad file stops the start with its error; the
        // built-in ones are known good, and the collector is only made (its classes loaded, about 3 MB)
        // when something scrapes this host.
        HttpHandler metrics = settings.rulesFile().isEmpty()
                ? new OnFirstRequest("prometheus", this::metricsHandler) : metricsHandler();
        InetAddress address = InetAddress.getByName(settings.host());
        server = new AuthenticatingHttpServer(
                HttpLimits.create(new InetSocketAddress(address, settings.port()), "huatuo-prometheus"),
                auth ? new Credentials.BasicAuth("prometheus", settings.user(), settings.passwordFile(), logins) : null,
                new RequestGuard("prometheus", RequestGuard.hostNames(settings.host(), limits.allowedHosts()),
                        limits.maxRequestBytes(), 0));
        server.createContext("/metrics", metrics);
        server.start();
        url = "http://" + BindPolicy.urlHost(address) + ":" + server.getAddress().getPort() + "/metrics";
        LOG.info("Prometheus: {} (rules {}, authentication {})", url,
                settings.rulesFile().isEmpty() ? "built-in" : settings.rulesFile(), auth ? "on" : "off");
    }

    /** The collector over the rules, held to the exposure policy, and its handler. */
    private HttpHandler metricsHandler() throws IOException {
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
        registry.register(buildInfo());
        return new MetricsHandler(registry);
    }

    /**
     * {@code huatuo_build_info{version,kernel} 1}, from the Daemon MBean's Version and KernelRelease.
     * Not a rule: the client library reserves names ending in _info for info metrics.
     */
    private static Collector buildInfo() {
        String version;
        String kernel;
        try {
            var mbeans = ManagementFactory.getPlatformMBeanServer();
            version = String.valueOf(mbeans.getAttribute(ObjectNames.daemon(), "Version"));
            kernel = String.valueOf(mbeans.getAttribute(ObjectNames.daemon(), "KernelRelease"));
        } catch (JMException e) {
            throw new IllegalStateException("the Daemon MBean must be registered before the Prometheus endpoint", e);
        }
        InfoSnapshot info = InfoSnapshot.builder().name("huatuo_build")
                .help("The daemon's version and the running kernel as labels; the value is always 1")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                        .labels(Labels.of("version", version, "kernel", kernel)).build())
                .build();
        return () -> info;
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
            HttpLimits.stop(server);
            server = null;
        }
    }
}
