package io.huatuo.jmx.edge;

import java.io.IOException;
import java.io.ObjectInputFilter;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.remote.rmi.RMIConnection;
import javax.management.remote.rmi.RMIConnectionImpl;
import javax.management.remote.rmi.RMIJRMPServerImpl;
import javax.security.auth.Subject;

/**
 * The RMI connector server whose client connections are {@link AccountedConnection}s: each wraps the
 * JDK's own RMIConnectionImpl and is exported in its place, on the same port and socket factories and
 * under the same serial filter as the JDK would export it.
 */
final class AccountingRmiServer extends RMIJRMPServerImpl {
    private final int port;
    private final RMIClientSocketFactory csf;
    private final RMIServerSocketFactory ssf;
    private final Map<String, ?> env;
    private final ObjectInputFilter filter;
    private final JmxConnections connections;
    /** The JDK's connection object → ours; the JDK closes connections by its own object. */
    private final Map<RMIConnection, AccountedConnection> accounted = new ConcurrentHashMap<>();

    AccountingRmiServer(int port, RMIClientSocketFactory csf, RMIServerSocketFactory ssf, Map<String, ?> env,
            String serialFilter, JmxConnections connections) throws IOException {
        super(port, csf, ssf, env);
        this.port = port;
        this.csf = csf;
        this.ssf = ssf;
        this.env = env;
        this.filter = ObjectInputFilter.Config.createFilter(serialFilter);
        this.connections = connections;
    }

    @Override
    protected RMIConnection makeClient(String connectionId, Subject subject) throws IOException {
        connections.open();
        try {
            RMIConnection impl = new RMIConnectionImpl(this, connectionId, getDefaultClassLoader(), subject, env);
            AccountedConnection c = new AccountedConnection(impl, connections);
            UnicastRemoteObject.exportObject(c, port, csf, ssf, filter);
            accounted.put(impl, c);
            return c;
        } catch (IOException | RuntimeException e) {
            connections.closed(0);
            throw e;
        }
    }

    @Override
    protected void closeClient(RMIConnection client) throws IOException {
        AccountedConnection c = client instanceof AccountedConnection a ? a : accounted.remove(client);
        if (c == null) {
            return;
        }
        accounted.values().remove(c);
        c.release();
        UnicastRemoteObject.unexportObject(c, true);
    }
}
