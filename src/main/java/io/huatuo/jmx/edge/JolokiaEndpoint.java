package io.huatuo.jmx.edge;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
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

    private static final String CONTEXT = "/jolokia";

    private final Settings settings;
    private final HttpGuardSettings limits;
    private final LoginGuard logins;
    private HttpServer http;
    private JolokiaServer server; // guarded by this, as the two below
    private JolokiaNotifications notifications;
    private boolean closed;
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
        c.put("agentContext", CONTEXT);
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
        // Jolokia itself (its services, converters and request handler: about 1 MB of an idle daemon) is made at
        // the first request, on hosts whose monitoring uses Jolokia. An operator's policy file is read by
        // those services, so with one it is made now and the file's errors stop our start.
        if (settings.policyFile().isEmpty()) {
            http.createContext(CONTEXT, new OnFirstRequest("jolokia", () -> makeJolokia(c, tracers)));
        } else {
            http.createContext(CONTEXT, makeJolokia(c, tracers));
        }
        http.start();
        InetSocketAddress a = http.getAddress();
        url = "http://" + BindPolicy.urlHost(a.getAddress()) + ":" + a.getPort() + "/jolokia/";
        LOG.info("Jolokia: {} (policy {}, authentication {})", url,
                settings.policyFile().isEmpty() ? "built-in read-only" : settings.policyFile(), auth ? "on" : "off");
    }

    /** Whether Jolokia's server has been made (tests). */
    synchronized boolean isMade() {
        return server != null;
    }

    /** @return e.g. {@code http://127.0.0.1:8778/jolokia/}, or null before start */
    public String url() {
        return url;
    }

    /**
     * Makes Jolokia's server on a stand-in for ours that only records the handler of the contexts it
     * creates; our guarded context at {@value #CONTEXT} then hands it every request (a sub-path such as
     * /jolokia/config included, which Jolokia's handler reads from the request's path as it does on its
     * own context).
     */
    private synchronized HttpHandler makeJolokia(Map<String, String> config, Function<ObjectName, TracerBean> tracers) {
        if (closed) {
            throw new IllegalStateException("the endpoint is closed");
        }
        // NEVER: jolokia.* system properties of this JVM must not change our endpoint behind our back
        JolokiaServerConfig serverConfig = new JolokiaServerConfig(config, SystemPropertyMode.NEVER);
        JolokiaNotifications gate = new JolokiaNotifications(tracers);
        ContextRecorder recorder = new ContextRecorder(http);
        JolokiaServer s;
        try {
            s = new JolokiaServer(recorder, serverConfig, new Slf4jLog()) {
                {
                    addService(gate); // bounds and accounting in front of Jolokia's notification handling
                }
            };
            s.start(false);
        } catch (RuntimeException | Error e) {
            gate.close();
            throw e;
        }
        server = s;
        notifications = gate;
        return recorder.handler();
    }

    @Override
    public synchronized void close() {
        closed = true;
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

    /**
     * The HttpServer Jolokia is given: it records the handler of the contexts Jolokia creates (the agent's
     * path and its /config below it, one handler for both) and binds, starts and guards nothing, as our
     * server already serves {@value #CONTEXT} behind its authentication and request guard.
     */
    private static final class ContextRecorder extends HttpServer {
        private final HttpServer ours;
        private HttpHandler handler;

        ContextRecorder(HttpServer ours) {
            this.ours = ours;
        }

        HttpHandler handler() {
            if (handler == null) {
                throw new IllegalStateException("Jolokia created no context");
            }
            return handler;
        }

        @Override
        public HttpContext createContext(String path, HttpHandler h) {
            if (!path.startsWith(CONTEXT) || handler != null && handler != h) {
                throw new IllegalStateException("Jolokia created a context we do not serve: " + path);
            }
            handler = h;
            return new RecordedContext(path, h, this);
        }

        @Override
        public HttpContext createContext(String path) {
            throw new IllegalStateException("Jolokia created a context without a handler: " + path);
        }

        @Override
        public InetSocketAddress getAddress() {
            return ours.getAddress(); // Jolokia's agent URL
        }

        @Override
        public Executor getExecutor() {
            return ours.getExecutor();
        }

        @Override
        public void removeContext(String path) {
            // Jolokia's stop; our context goes with our server
        }

        @Override
        public void removeContext(HttpContext context) {
            // as above
        }

        @Override
        public void bind(InetSocketAddress addr, int backlog) {
            throw new UnsupportedOperationException("bound by the endpoint");
        }

        @Override
        public void start() {
            throw new UnsupportedOperationException("started by the endpoint");
        }

        @Override
        public void setExecutor(Executor executor) {
            throw new UnsupportedOperationException("set by the endpoint");
        }

        @Override
        public void stop(int delay) {
            throw new UnsupportedOperationException("stopped by the endpoint");
        }
    }

    /** A context of {@link ContextRecorder}: Jolokia may not put an authenticator of its own on it. */
    private static final class RecordedContext extends HttpContext {
        private final String path;
        private final HttpServer server;
        private final Map<String, Object> attributes = new HashMap<>();
        private final List<Filter> filters = new ArrayList<>();
        private HttpHandler handler;

        RecordedContext(String path, HttpHandler handler, HttpServer server) {
            this.path = path;
            this.handler = handler;
            this.server = server;
        }

        @Override
        public HttpHandler getHandler() {
            return handler;
        }

        @Override
        public void setHandler(HttpHandler h) {
            throw new IllegalStateException("Jolokia changed its handler on " + path);
        }

        @Override
        public String getPath() {
            return path;
        }

        @Override
        public HttpServer getServer() {
            return server;
        }

        @Override
        public Map<String, Object> getAttributes() {
            return attributes;
        }

        @Override
        public List<Filter> getFilters() {
            return filters; // not run: Jolokia adds none; ours are on our context
        }

        @Override
        public Authenticator setAuthenticator(Authenticator auth) {
            if (auth != null) {
                throw new IllegalStateException("Jolokia set its own authenticator on " + path);
            }
            return null;
        }

        @Override
        public Authenticator getAuthenticator() {
            return null;
        }
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
