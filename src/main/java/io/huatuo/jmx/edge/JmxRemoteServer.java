package io.huatuo.jmx.edge;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.NoSuchObjectException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.HashMap;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JMX RMI connector for JConsole, the Zabbix Java gateway and other JMX pollers: registry and
 * server on one port, really bound to the configured address (an RMI connector built in code
 * otherwise listens on every interface). Not thread-safe; start and stop from one thread.
 */
public final class JmxRemoteServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JmxRemoteServer.class);

    private final String host;
    private final int requestedPort;
    private Registry registry;
    private JMXConnectorServer server;
    private JMXServiceURL url;

    /** @param port 0 picks a free port (tests) */
    public JmxRemoteServer(String host, int port) {
        this.host = host;
        this.requestedPort = port;
    }

    /** Refuses a non-loopback bind: until authentication is configured, anyone could write thresholds. */
    public static void checkBindAllowed(String key, String host) {
        InetAddress a;
        try {
            a = InetAddress.getByName(host);
        } catch (IOException e) {
            throw new IllegalArgumentException(key + ": cannot resolve '" + host + "'");
        }
        if (!a.isLoopbackAddress()) {
            throw new IllegalArgumentException(key + ": '" + host + "' is not a loopback address and no "
                    + "authentication is configured; bind to 127.0.0.1 or configure authentication");
        }
    }

    public void start(MBeanServer mbeans) throws IOException {
        checkBindAllowed("jmx.host", host);
        InetAddress bind = InetAddress.getByName(host);
        int port = requestedPort == 0 ? freePort(bind) : requestedPort;
        // Stubs carry this host name; without it they would name the machine's external address.
        if (System.getProperty("java.rmi.server.hostname") == null) {
            System.setProperty("java.rmi.server.hostname", bind.getHostAddress());
        }
        RMIServerSocketFactory ssf = new BoundServerSocketFactory(bind);
        registry = LocateRegistry.createRegistry(port, null, ssf);
        String h = bind.getHostAddress().contains(":") ? "[" + bind.getHostAddress() + "]" : bind.getHostAddress();
        url = new JMXServiceURL("service:jmx:rmi://" + h + ":" + port + "/jndi/rmi://" + h + ":" + port + "/jmxrmi");
        Map<String, Object> env = new HashMap<>();
        env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, ssf);
        // Only open types cross the wire: refuse to deserialize anything else from clients.
        env.put("jmx.remote.rmi.server.credential.types", new String[] {String[].class.getName(), String.class.getName()});
        server = new RMIConnectorServer(url, env, mbeans);
        server.start();
        LOG.info("JMX remote: {}", url);
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

    private static int freePort(InetAddress bind) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, bind)) {
            return s.getLocalPort();
        }
    }

    /** Binds every RMI server socket to one address. Equality lets RMI share the port. */
    private record BoundServerSocketFactory(InetAddress bind) implements RMIServerSocketFactory {
        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(bind, port), 50);
            return s;
        }
    }
}
