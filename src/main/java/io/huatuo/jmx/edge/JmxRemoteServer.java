package io.huatuo.jmx.edge;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.NoSuchObjectException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.RemoteServer;
import java.rmi.server.ServerNotActiveException;
import java.rmi.server.UnicastRemoteObject;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import io.huatuo.jmx.jmx.TracerBean;
import java.util.function.Function;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.remote.JMXAuthenticator;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXPrincipal;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;
import javax.management.remote.rmi.RMIJRMPServerImpl;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;
import javax.rmi.ssl.SslRMIClientSocketFactory;
import javax.security.auth.Subject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JMX RMI connector for JConsole, the Zabbix Java gateway and other JMX pollers: registry and
 * server on one port, really bound to the configured address (an RMI connector built in code
 * otherwise listens on every interface), optionally with users from a password file, roles from an
 * access file and TLS. Not thread-safe; start and stop from one thread.
 */
public final class JmxRemoteServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JmxRemoteServer.class);

    /**
     * What a client's requests may contain: JMX's own types (names, attributes, open data, standard
     * filters and queries) and the java.lang/java.util/java.math values inside them; any other class is
     * refused before it is instantiated. Subject only for the connector's array of delegation subjects,
     * which are always null (a real Subject is refused: its principal set is not allowed).
     */
    static final String SERIAL_FILTER = "maxdepth=20;maxrefs=100000;maxarray=100000;"
            + "java.lang.*;java.util.*;java.math.*;javax.management.**;java.rmi.MarshalledObject;"
            + "javax.security.auth.Subject;!*";

    private final Settings settings;
    private final LoginGuard logins;
    private Registry registry;
    private JMXConnectorServer server;
    private JmxConnections connections;
    private JMXServiceURL url;

    /**
     * @param host         bind address (key jmx.host)
     * @param port         0 picks a free port (tests)
     * @param passwordFile "" = no authentication
     * @param accessFile   "" = every user is read-only
     * @param ssl          TLS on the registry and the connector
     * @param keyStore     the TLS key and certificate; "" = the javax.net.ssl.keyStore* system properties
     * @param keyStorePasswordFile its password on the first line (owner-only)
     * @param notificationBuffer notifications the connector keeps for its clients to fetch
     */
    public record Settings(String host, int port, String passwordFile, String accessFile, boolean ssl,
            String keyStore, String keyStorePasswordFile, int notificationBuffer) {
    }

    /** @param logins where wrong passwords are logged, counted and throttled */
    public JmxRemoteServer(Settings settings, LoginGuard logins) {
        this.settings = settings;
        this.logins = logins;
    }

    /**
     * @param tracers the tracer MBean of a name (null for others): where a client's missed notifications
     *                are counted
     */
    public void start(MBeanServer mbeans, Function<ObjectName, TracerBean> tracers) throws IOException {
        boolean auth = !settings.passwordFile().isEmpty();
        BindPolicy.check("jmx.host", settings.host(), auth);
        InetAddress bind = InetAddress.getByName(settings.host());
        int port = settings.port() == 0 ? freePort(bind) : settings.port();
        // Stubs carry this host name; without it they would name the machine's external address.
        if (System.getProperty("java.rmi.server.hostname") == null) {
            System.setProperty("java.rmi.server.hostname", bind.getHostAddress());
        }
        RMIServerSocketFactory ssf = new BoundServerSocketFactory(bind, settings.ssl() ? tls() : null);
        SslRMIClientSocketFactory csf = settings.ssl() ? new SslRMIClientSocketFactory() : null;
        registry = LocateRegistry.createRegistry(port, csf, ssf);
        String h = BindPolicy.urlHost(bind);
        url = new JMXServiceURL("service:jmx:rmi://" + h + ":" + port + "/jndi/rmi://" + h + ":" + port + "/jmxrmi");
        Map<String, Object> env = new HashMap<>();
        env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, ssf);
        if (csf != null) {
            env.put(RMIConnectorServer.RMI_CLIENT_SOCKET_FACTORY_ATTRIBUTE, csf);
        }
        if (auth) {
            env.put(JMXConnectorServer.AUTHENTICATOR, passwordAuthenticator(settings.passwordFile(), logins));
        }
        // Only open types cross the wire: refuse to deserialize anything else from clients.
        env.put("jmx.remote.rmi.server.credential.types", new String[] {String[].class.getName(), String.class.getName()});
        env.put(RMIConnectorServer.SERIAL_FILTER_PATTERN, SERIAL_FILTER);
        // The buffer all clients fetch from: a client that falls this many notifications behind misses some
        // (counted in NotificationsLost). It keeps the newest ones even once fetched, so it costs heap while
        // events come and a client is connected.
        env.put("jmx.remote.x.notification.buffer.size", settings.notificationBuffer());
        // Exported on the registry's port; bound in our registry object directly, not through JNDI,
        // which would make the daemon a TLS client of its own registry.
        connections = new JmxConnections(tracers);
        RMIJRMPServerImpl rmiServer = new AccountingRmiServer(port, csf, ssf, env, SERIAL_FILTER, connections);
        server = new RMIConnectorServer(new JMXServiceURL("service:jmx:rmi://" + h + ":" + port), env, rmiServer,
                mbeans);
        server.setMBeanServerForwarder(restrictedView(settings.accessFile()));
        server.start();
        try {
            registry.bind("jmxrmi", rmiServer.toStub());
        } catch (java.rmi.AlreadyBoundException e) {
            throw new IOException("jmxrmi already bound in the registry on port " + port, e);
        }
        LOG.info("JMX remote: {} (authentication {}, roles {}, TLS {})", url, auth ? "on" : "off",
                settings.accessFile().isEmpty() ? "read-only for everyone" : "from " + settings.accessFile(),
                settings.ssl() ? "on" : "off");
    }

    public JMXServiceURL url() {
        return url;
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.stop();
            } catch (IOException e) {
                LOG.warn("stopping the JMX connector failed", e);
            }
            server = null;
        }
        if (registry != null) {
            try {
                UnicastRemoteObject.unexportObject(registry, true);
            } catch (NoSuchObjectException e) {
                LOG.debug("registry already unexported", e);
            }
            registry = null;
        }
    }

    /**
     * The connector's view of the MBean server, always installed: anonymous clients and users without an
     * access file are read-only; with an access file its {@code readonly}/{@code readwrite} users, and
     * nothing for users missing from it.
     */
    static RestrictedMBeanServer restrictedView(String accessFile) {
        if (accessFile.isEmpty()) {
            return new RestrictedMBeanServer(Map.of(), Exposure.Role.READONLY);
        }
        Map<String, Exposure.Role> roles = new HashMap<>();
        Credentials.pairs(accessFile).forEach((user, role) -> {
            switch (role) {
                case "readonly" -> roles.put(user, Exposure.Role.READONLY);
                case "readwrite" -> roles.put(user, Exposure.Role.READWRITE);
                default -> throw new IllegalArgumentException("jmx.accessFile: " + accessFile + ": user " + user
                        + ": expected readonly or readwrite, got '" + role + "'");
            }
        });
        return new RestrictedMBeanServer(roles, Exposure.Role.NONE);
    }

    /**
     * Checks {@code [user, password]} credentials, as JConsole sends them, against the password file;
     * wrong ones go through the {@link LoginGuard} with the client's address.
     */
    private static JMXAuthenticator passwordAuthenticator(String passwordFile, LoginGuard logins) {
        Credentials.requireOwnerOnly("jmx.passwordFile", passwordFile);
        Map<String, String> users = Credentials.pairs(passwordFile);
        return credentials -> {
            String address = clientAddress();
            String wait = logins.refusal(address);
            if (wait != null) {
                throw new SecurityException(wait);
            }
            if (!(credentials instanceof String[] c) || c.length != 2) {
                logins.failed("jmx", "", address);
                throw new SecurityException("credentials required: [user, password]");
            }
            if (!Credentials.matches(users.get(c[0]), c[1])) {
                logins.failed("jmx", c[0], address);
                throw new SecurityException("authentication failed");
            }
            return new Subject(true, Set.of(new JMXPrincipal(c[0])), Set.of(), Set.of());
        };
    }

    /** The address of the client whose RMI call (a new connection) runs on this thread. */
    private static String clientAddress() {
        try {
            return RemoteServer.getClientHost();
        } catch (ServerNotActiveException e) {
            return "unknown";
        }
    }

    /**
     * The TLS server socket factory: from jmx.keyStore and its password file when set (the password never
     * appears on a command line), else the JDK's default from the javax.net.ssl.* system properties.
     */
    private SSLServerSocketFactory tls() throws IOException {
        if (settings.keyStore().isEmpty()) {
            return (SSLServerSocketFactory) SSLServerSocketFactory.getDefault();
        }
        Credentials.requireOwnerOnly("jmx.keyStorePasswordFile", settings.keyStorePasswordFile());
        char[] password = Credentials.firstLine(settings.keyStorePasswordFile()).toCharArray();
        try {
            KeyStore ks = KeyStore.getInstance(new java.io.File(settings.keyStore()), password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx.getServerSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("jmx.keyStore: " + settings.keyStore() + ": cannot be used with the password "
                    + "in jmx.keyStorePasswordFile: " + e.getMessage(), e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static int freePort(InetAddress bind) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, bind)) {
            return s.getLocalPort();
        }
    }

    /**
     * Binds every RMI server socket to one address, plain or TLS (tls null = plain). Equality (one
     * factory instance) lets RMI share the port between the registry and the connector.
     */
    private record BoundServerSocketFactory(InetAddress bind, SSLServerSocketFactory tls)
            implements RMIServerSocketFactory {
        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            ServerSocket s = tls != null ? tls.createServerSocket() : new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(bind, port), 50);
            return s;
        }
    }
}
