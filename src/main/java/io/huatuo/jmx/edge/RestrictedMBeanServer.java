package io.huatuo.jmx.edge;

import io.huatuo.jmx.edge.Exposure.Role;
import io.huatuo.jmx.jmx.RemoteDelivery;
import java.io.ObjectInputStream;
import java.security.AccessController;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.InstanceNotFoundException;
import javax.management.ListenerNotFoundException;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.NotificationFilter;
import javax.management.NotificationListener;
import javax.management.ObjectInstance;
import javax.management.ObjectName;
import javax.management.OperationsException;
import javax.management.QueryExp;
import javax.management.ReflectionException;
import javax.management.loading.ClassLoaderRepository;
import javax.management.remote.JMXPrincipal;
import javax.management.remote.MBeanServerForwarder;
import javax.security.auth.Subject;

/**
 * The MBean server as the JMX RMI connector's clients see it, always installed: the {@link Exposure}
 * policy with the caller's {@link Role}. Hidden MBeans are left out of queries, counts and domains and
 * refused by name; a query's attribute tests are evaluated through this view, so they cannot probe
 * hidden attributes.
 * <p>
 * The connector itself calls the server too: its notification buffer (queryNames, isInstanceOf,
 * addNotificationListener with a listener object, removeNotificationListener) and its class loading
 * (getClassLoaderFor, getClassLoaderRepository). Those calls carry no Subject, and neither do clients'
 * calls without authentication, so nothing here trusts a missing Subject: it is a read-only caller.
 * Clients cannot reach the object-listener, class-loader, registerMBean, instantiate or deserialize
 * methods over RMI (they are not in RMIConnection), so allowing what the connector needs there gives
 * clients nothing.
 */
final class RestrictedMBeanServer implements MBeanServerForwarder {
    private final Map<String, Role> users;
    private final Role others;
    /** Listener objects come only from the connector's notification buffer: a few filters per buffer. */
    private final Map<NotificationFilter, RemoteDelivery> remoteFilters = new IdentityHashMap<>();
    private volatile MBeanServer target;

    /**
     * @param users  role per authenticated user name
     * @param others role of authenticated users not in {@code users}; callers without a Subject
     *               (no authentication, or the connector itself) are always read-only
     */
    RestrictedMBeanServer(Map<String, Role> users, Role others) {
        this.users = Map.copyOf(users);
        this.others = others;
    }

    @Override
    public MBeanServer getMBeanServer() {
        return target;
    }

    @Override
    public void setMBeanServer(MBeanServer mbs) {
        target = mbs;
    }

    // ---- who is calling ----

    @SuppressWarnings("removal")
    private static Subject subject() {
        return Subject.getSubject(AccessController.getContext());
    }

    /** The caller's role; the connector runs each client request as the client's Subject. */
    Role role() {
        Subject s = subject();
        if (s == null) {
            return Role.READONLY;
        }
        for (JMXPrincipal p : s.getPrincipals(JMXPrincipal.class)) {
            Role r = users.get(p.getName());
            if (r != null) {
                return r;
            }
        }
        return others;
    }

    private static String who() {
        Subject s = subject();
        if (s == null) {
            return "an anonymous client";
        }
        return s.getPrincipals(JMXPrincipal.class).stream().map(p -> "user " + p.getName()).findFirst()
                .orElse("this client");
    }

    private Role browsing() {
        Role r = role();
        if (!Exposure.canBrowse(r)) {
            throw new SecurityException("access denied: " + who() + " has no role in jmx.accessFile");
        }
        return r;
    }

    private void visible(ObjectName name) throws InstanceNotFoundException {
        browsing();
        if (!Exposure.isVisible(name)) {
            throw new InstanceNotFoundException(Exposure.notExposed(name));
        }
    }

    private void writable(String what, ObjectName name) throws InstanceNotFoundException {
        Role r = browsing();
        if (!Exposure.isVisible(name)) {
            throw new InstanceNotFoundException(Exposure.notExposed(name));
        }
        if (!Exposure.canWrite(r, name)) {
            throw new SecurityException(Exposure.notWritable(what, name, r, who()));
        }
    }

    private static SecurityException notRemote(String what) {
        return new SecurityException(what + " is not available remotely: " + Exposure.WHAT_IS_EXPOSED);
    }

    // ---- reading ----

    @Override
    public Object getAttribute(ObjectName name, String attribute)
            throws MBeanException, AttributeNotFoundException, InstanceNotFoundException, ReflectionException {
        visible(name);
        if (!Exposure.canRead(name, attribute)) {
            throw new SecurityException(Exposure.attributeNotExposed(name, attribute));
        }
        return target.getAttribute(name, attribute);
    }

    /** Attributes that may not be read are left out, as getAttributes leaves out any it cannot read. */
    @Override
    public AttributeList getAttributes(ObjectName name, String[] attributes)
            throws InstanceNotFoundException, ReflectionException {
        visible(name);
        if (attributes == null) {
            return target.getAttributes(name, null); // the server's own error for a null list
        }
        String[] allowed = java.util.Arrays.stream(attributes).filter(a -> Exposure.canRead(name, a))
                .toArray(String[]::new);
        return target.getAttributes(name, allowed);
    }

    @Override
    public MBeanInfo getMBeanInfo(ObjectName name)
            throws InstanceNotFoundException, javax.management.IntrospectionException, ReflectionException {
        visible(name);
        return Exposure.restrict(name, target.getMBeanInfo(name));
    }

    @Override
    public ObjectInstance getObjectInstance(ObjectName name) throws InstanceNotFoundException {
        visible(name);
        return target.getObjectInstance(name);
    }

    @Override
    public boolean isRegistered(ObjectName name) {
        browsing();
        return Exposure.isVisible(name) && target.isRegistered(name);
    }

    @Override
    public boolean isInstanceOf(ObjectName name, String className) throws InstanceNotFoundException {
        visible(name);
        return target.isInstanceOf(name, className);
    }

    @Override
    public Set<ObjectName> queryNames(ObjectName name, QueryExp query) {
        browsing();
        Set<ObjectName> result = new LinkedHashSet<>();
        for (ObjectName n : target.queryNames(name, null)) {
            if (Exposure.isVisible(n) && matches(query, n)) {
                result.add(n);
            }
        }
        return result;
    }

    @Override
    public Set<ObjectInstance> queryMBeans(ObjectName name, QueryExp query) {
        browsing();
        Set<ObjectInstance> result = new LinkedHashSet<>();
        for (ObjectInstance i : target.queryMBeans(name, null)) {
            if (Exposure.isVisible(i.getObjectName()) && matches(query, i.getObjectName())) {
                result.add(i);
            }
        }
        return result;
    }

    /** Evaluates a query against this view, as the MBean server would against itself. */
    @SuppressWarnings("deprecation")
    private boolean matches(QueryExp query, ObjectName name) {
        if (query == null) {
            return true;
        }
        query.setMBeanServer(this);
        try {
            return query.apply(name);
        } catch (Exception e) {
            return false; // as the MBean server does: a query that fails on an MBean does not match it
        }
    }

    @Override
    public Integer getMBeanCount() {
        return queryNames(null, null).size();
    }

    @Override
    public String[] getDomains() {
        Set<String> domains = new TreeSet<>();
        queryNames(null, null).forEach(n -> domains.add(n.getDomain()));
        return domains.toArray(String[]::new);
    }

    @Override
    public String getDefaultDomain() {
        browsing();
        return target.getDefaultDomain();
    }

    // ---- changing: huatuo MBeans, readwrite role ----

    @Override
    public void setAttribute(ObjectName name, Attribute attribute) throws InstanceNotFoundException,
            AttributeNotFoundException, javax.management.InvalidAttributeValueException, MBeanException,
            ReflectionException {
        writable("setAttribute " + attribute.getName(), name);
        target.setAttribute(name, attribute);
    }

    @Override
    public AttributeList setAttributes(ObjectName name, AttributeList attributes)
            throws InstanceNotFoundException, ReflectionException {
        writable("setAttributes", name);
        return target.setAttributes(name, attributes);
    }

    @Override
    public Object invoke(ObjectName name, String operationName, Object[] params, String[] signature)
            throws InstanceNotFoundException, MBeanException, ReflectionException {
        writable("invoke " + operationName, name);
        return target.invoke(name, operationName, params, signature);
    }

    // ---- notifications: visible MBeans; listeners only as objects (the connector's buffer) ----

    @Override
    public void addNotificationListener(ObjectName name, NotificationListener listener, NotificationFilter filter,
            Object handback) throws InstanceNotFoundException {
        visible(name);
        target.addNotificationListener(name, listener, remote(filter), handback);
    }

    /**
     * The filter of the connector's buffer listener, marked as delivering to remote clients (their
     * connections count what each missed); the same wrapper for the same filter, so that the listener
     * can be removed again with it.
     */
    private RemoteDelivery remote(NotificationFilter filter) {
        synchronized (remoteFilters) {
            return remoteFilters.computeIfAbsent(filter == null ? ALL : filter, RemoteFilter::new);
        }
    }

    /** Marks a connector listener's filter; takes what the filter takes. */
    private record RemoteFilter(NotificationFilter filter) implements RemoteDelivery {
        @Override
        public boolean isNotificationEnabled(javax.management.Notification n) {
            return filter.isNotificationEnabled(n);
        }
    }

    private static final NotificationFilter ALL = n -> true;

    @Override
    public void addNotificationListener(ObjectName name, ObjectName listener, NotificationFilter filter,
            Object handback) {
        throw notRemote("a listener given as an ObjectName");
    }

    @Override
    public void removeNotificationListener(ObjectName name, NotificationListener listener)
            throws InstanceNotFoundException, ListenerNotFoundException {
        target.removeNotificationListener(name, listener);
    }

    @Override
    public void removeNotificationListener(ObjectName name, NotificationListener listener, NotificationFilter filter,
            Object handback) throws InstanceNotFoundException, ListenerNotFoundException {
        target.removeNotificationListener(name, listener, remote(filter), handback);
    }

    @Override
    public void removeNotificationListener(ObjectName name, ObjectName listener) {
        throw notRemote("a listener given as an ObjectName");
    }

    @Override
    public void removeNotificationListener(ObjectName name, ObjectName listener, NotificationFilter filter,
            Object handback) {
        throw notRemote("a listener given as an ObjectName");
    }

    // ---- never remotely: creating, registering, unregistering, loading classes ----

    @Override
    public ObjectInstance createMBean(String className, ObjectName name) {
        throw notRemote("createMBean");
    }

    @Override
    public ObjectInstance createMBean(String className, ObjectName name, ObjectName loaderName) {
        throw notRemote("createMBean");
    }

    @Override
    public ObjectInstance createMBean(String className, ObjectName name, Object[] params, String[] signature) {
        throw notRemote("createMBean");
    }

    @Override
    public ObjectInstance createMBean(String className, ObjectName name, ObjectName loaderName, Object[] params,
            String[] signature) {
        throw notRemote("createMBean");
    }

    @Override
    public ObjectInstance registerMBean(Object object, ObjectName name) {
        throw notRemote("registerMBean");
    }

    @Override
    public void unregisterMBean(ObjectName name) {
        throw notRemote("unregisterMBean");
    }

    @Override
    public Object instantiate(String className) {
        throw notRemote("instantiate");
    }

    @Override
    public Object instantiate(String className, ObjectName loaderName) {
        throw notRemote("instantiate");
    }

    @Override
    public Object instantiate(String className, Object[] params, String[] signature) {
        throw notRemote("instantiate");
    }

    @Override
    public Object instantiate(String className, ObjectName loaderName, Object[] params, String[] signature) {
        throw notRemote("instantiate");
    }

    @Override
    @SuppressWarnings("deprecation")
    public ObjectInputStream deserialize(ObjectName name, byte[] data) throws OperationsException {
        throw notRemote("deserialize");
    }

    @Override
    @SuppressWarnings("deprecation")
    public ObjectInputStream deserialize(String className, byte[] data) throws OperationsException {
        throw notRemote("deserialize");
    }

    @Override
    @SuppressWarnings("deprecation")
    public ObjectInputStream deserialize(String className, ObjectName loaderName, byte[] data)
            throws OperationsException {
        throw notRemote("deserialize");
    }

    /** The connector unmarshals a client's parameters with the target MBean's class loader. */
    @Override
    public ClassLoader getClassLoaderFor(ObjectName mbeanName) throws InstanceNotFoundException {
        visible(mbeanName);
        return target.getClassLoaderFor(mbeanName);
    }

    /** Only used by the connector for createMBean with a loader, which is refused anyway. */
    @Override
    public ClassLoader getClassLoader(ObjectName loaderName) {
        throw notRemote("getClassLoader");
    }

    /** The connector builds its default class loading from it when a client connects. */
    @Override
    public ClassLoaderRepository getClassLoaderRepository() {
        return target.getClassLoaderRepository();
    }

    @Override
    public String toString() {
        return "RestrictedMBeanServer" + users.keySet() + ", others " + others;
    }
}
