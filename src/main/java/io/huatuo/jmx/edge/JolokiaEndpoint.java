package io.huatuo.jmx.edge;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import javax.management.ObjectName;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import io.huatuo.jmx.jmx.TracerBean;
import org.jolokia.core.api.LogHandler;
import org.jolokia.jvmagent.JolokiaServer;
import org.jolokia.jvmagent.JolokiaServerConfig;
import org.jolokia.server.core.config.SystemPropertyMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The embedded Jolokia agent (JMX over HTTP/JSON) on the JDK's HTTP server, with pull and SSE
 * notifications. Read-only unless an explicit policy allows more, and a policy that allows writes
 * or operations is only accepted with authentication. Start and stop from one thread.
 */
public final class JolokiaEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JolokiaEndpoint.class);
    /** The read-only policy shipped in the jar; {@link BuiltInPolicy} makes its decisions without parsing it. */
    public static final String BUILT_IN_POLICY = "classpath:/jolokia-access.xml";

    private final Settings settings;
    private final HttpGuardSettings limits;
    private final LoginGuard logins;
    private HttpServer http;
    private JolokiaServer server;
    private JolokiaNotifications notifications;
    private String url;

    /**
     * @param host         bind address (key jolokia.host)
     * @param port         0 picks a free port (tests)
     * @param policyFile   "" = the built-in read-only policy
     * @param user         "" = no authentication
     * @param passwordFile the user's password on its first line
     */
    public record Settings(String host, int port, String policyFile, String user, String passwordFile) {
    }

    /** @param logins where wrong passwords are logged, counted and throttled */
    public JolokiaEndpoint(Settings settings, HttpGuardSettings limits, LoginGuard logins) {
        this.settings = settings;
        this.limits = limits;
        this.logins = logins;
    }

    /**
     * @param tracers the tracer MBean of a name (null for others): where a client's missed notifications
     *                are counted
     */
    public void start(Function<ObjectName, TracerBean> tracers) throws IOException {
        boolean auth = !settings.user().isEmpty();
        BindPolicy.check("jolokia.host", settings.host(), auth);
        if (!settings.policyFile().isEmpty() && !auth && policyAllowsChanges(Path.of(settings.policyFile()))) {
            throw new IllegalArgumentException("jolokia.policyFile: " + settings.policyFile()
                    + " allows write or exec; set jolokia.user and jolokia.passwordFile as well");
        }
        Map<String, String> c = new HashMap<>();
        c.put("host", settings.host());
        c.put("port", String.valueOf(settings.port()));
        c.put("agentContext", "/jolokia");
        c.put("policyLocation", settings.policyFile().isEmpty() ? BUILT_IN_POLICY
                : Path.of(settings.policyFile()).toUri().toString());
        // The policy file and our exposure policy, both: see JolokiaRestrictor
        c.put("restrictorClass", (auth ? JolokiaRestrictor.Authenticated.class : JolokiaRestrictor.Anonymous.class)
                .getName());
        c.put("discoveryEnabled", "false");
        c.put("includeStackTrace", "false");
        // Our own HTTP server: with its own, Jolokia installs a shutdown hook whose removal fails
        // when we stop during JVM shutdown (SIGTERM), and the stop would not complete. Authentication
        // is ours too, on every context Jolokia creates.
        http = new AuthenticatingHttpServer(
                HttpLimits.create(new InetSocketAddress(InetAddress.getByName(settings.host()), settings.port()),
                        "huatuo-jolokia"),
                auth ? new Credentials.BasicAuth("jolokia", settings.user(), settings.passwordFile(), logins) : null,
                new RequestGuard("jolokia", RequestGuard.hostNames(settings.host(), limits.allowedHosts()),
                        limits.maxRequestBytes(), limits.maxBulkRequests()));
        // NEVER: jolokia.* system properties of this JVM must not change our endpoint behind our back
        JolokiaNotifications gate = new JolokiaNotifications(tracers);
        notifications = gate;
        server = new JolokiaServer(http, new JolokiaServerConfig(c, SystemPropertyMode.NEVER), new Slf4jLog()) {
            {
                addService(gate); // bounds and accounting in front of Jolokia's notification handling
            }
        };
        // Lazy with the built-in policy: Jolokia's services and request handler (about 100 classes,
        // 1-2 MB) are made at the first request, on hosts whose monitoring uses Jolokia. An operator's
        // policy file is read by those services, so with one they start now and its errors stop ours.
        server.start(settings.policyFile().isEmpty());
        http.start();
        InetSocketAddress a = http.getAddress();
        url = "http://" + BindPolicy.urlHost(a.getAddress()) + ":" + a.getPort() + "/jolokia/";
        LOG.info("Jolokia: {} (policy {}, authentication {})", url,
                settings.policyFile().isEmpty() ? "built-in read-only" : settings.policyFile(), auth ? "on" : "off");
    }

    /** @return e.g. {@code http://127.0.0.1:8778/jolokia/}, or null before start */
    public String url() {
        return url;
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop();
            server = null;
        }
        if (notifications != null) {
            notifications.close();
            notifications = null;
        }
        if (http != null) {
            HttpLimits.stop(http);
            http = null;
        }
    }

    /** Whether a jolokia-access.xml lets clients change anything (write/exec commands or allowed operations). */
    static boolean policyAllowsChanges(Path policy) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document d = f.newDocumentBuilder().parse(policy.toFile());
            NodeList commands = d.getElementsByTagName("command");
            boolean hasCommands = d.getElementsByTagName("commands").getLength() > 0;
            if (!hasCommands) {
                return true; // no <commands> section: Jolokia allows every command
            }
            for (int i = 0; i < commands.getLength(); i++) {
                String cmd = commands.item(i).getTextContent().trim();
                if (cmd.equals("write") || cmd.equals("exec")) {
                    return true;
                }
            }
            NodeList attributes = d.getElementsByTagName("attribute");
            for (int i = 0; i < attributes.getLength(); i++) {
                Element a = (Element) attributes.item(i);
                if (isInAllow(a) && !"read".equalsIgnoreCase(a.getAttribute("mode"))) {
                    return true;
                }
            }
            NodeList operations = d.getElementsByTagName("operation");
            for (int i = 0; i < operations.getLength(); i++) {
                Element o = (Element) operations.item(i);
                if (isInAllow(o) && !o.getTextContent().trim().equals("pull")) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            throw new IllegalArgumentException("jolokia.policyFile: " + policy + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static boolean isInAllow(Element e) {
        for (org.w3c.dom.Node n = e.getParentNode(); n != null; n = n.getParentNode()) {
            if (n.getNodeName().equals("allow") || n.getNodeName().equals("mbeans")) {
                return true;
            }
        }
        return false;
    }

    /** Jolokia's log lines go to our log. */
    private static final class Slf4jLog implements LogHandler {
        @Override
        public void debug(String message) {
            LOG.debug(message);
        }

        @Override
        public void info(String message) {
            LOG.debug(message); // Jolokia's own start-up chatter; we log the endpoint once
        }

        @Override
        public void error(String message, Throwable t) {
            LOG.warn(message, t);
        }

        @Override
        public boolean isDebug() {
            return LOG.isDebugEnabled();
        }
    }
}
